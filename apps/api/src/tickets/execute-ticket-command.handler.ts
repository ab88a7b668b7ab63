import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EventStore } from '@app/event-store';
import { decide, EVENT_SCHEMA_VERSION, type TicketCommand, type TicketEvent, type TicketState } from '@app/ticketing';
import { CLOCK, type Clock } from '../clock';
import { runCommand, type AggregateType, type CommandOutcome } from '../commands/stream-commands';
import { EVENT_STORE } from '../event-store/event-store.module';
import type { CommandContext } from './command-context';
import { foldTicket, ticketStream } from './ticket-stream';

export const TICKETS: AggregateType<TicketState, TicketCommand, TicketEvent> = {
  name: 'ticket',
  streamOf: ticketStream,
  fold: foldTicket,
  decide,
  schemaVersion: (event) => EVENT_SCHEMA_VERSION[event.type],
};

/** Any ticket command, with the ticket it is for and the context of the request that sent it. */
export class ExecuteTicketCommand extends Command<CommandOutcome> {
  constructor(
    readonly ticketId: string,
    readonly command: TicketCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteTicketCommand)
export class ExecuteTicketCommandHandler implements ICommandHandler<ExecuteTicketCommand, CommandOutcome> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ ticketId, command, context }: ExecuteTicketCommand): Promise<CommandOutcome> {
    return runCommand(this.store, TICKETS, ticketId, command, context, () => this.clock.now());
  }
}
