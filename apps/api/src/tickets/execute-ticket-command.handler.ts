import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { formatPosition, WrongExpectedRevision, type EventStore, type RecordedEvent } from '@app/event-store';
import { decide, type TicketCommand } from '@app/ticketing';
import { CLOCK, type Clock } from '../clock';
import { EVENT_STORE } from '../event-store/event-store.module';
import { problem, ProblemError } from '../http/problem';
import type { CommandContext } from './command-context';
import { ticketProblem } from './ticket-errors';
import { appendToTicket, loadTicket, type CommandMetadata } from './ticket-stream';

/** What every accepted command answers. */
export interface CommandResult {
  readonly ticketId: string;
  /** The revision of the ticket's last event after the command: its new ETag. */
  readonly revision: number;
  /** The global position of that event: hand it to a view as `minPosition` to read your write. */
  readonly position: string;
  /** True when this answer is the stored first answer to a retried Idempotency-Key. */
  readonly replayed: boolean;
}

/** Any ticket command, with the ticket it is for and the context of the request that sent it. */
export class ExecuteTicketCommand extends Command<CommandResult> {
  constructor(
    readonly ticketId: string,
    readonly command: TicketCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** How many times a command is decided again after another writer changed the ticket first. */
const MAX_ATTEMPTS = 5;

/**
 * Load the stream, decide, append with the expected revision. On a revision conflict, load and
 * decide again (the new state may now refuse the command: that is a clean 409), a bounded number
 * of times. A command whose id is already in the stream returns its first answer.
 */
@CommandHandler(ExecuteTicketCommand)
export class ExecuteTicketCommandHandler implements ICommandHandler<ExecuteTicketCommand, CommandResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ ticketId, command, context }: ExecuteTicketCommand): Promise<CommandResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const ticket = await loadTicket(this.store, ticketId);
      const earlier = context.idempotent ? firstAnswer(ticket.recorded, ticketId, context) : undefined;
      if (earlier) return earlier;
      if (context.expectedRevision !== undefined && context.expectedRevision !== ticket.revision) {
        throw revisionMismatch(context.expectedRevision, ticket.revision);
      }
      const now = this.clock.now();
      const decision = decide(command, ticket.state, now);
      if (!decision.ok) throw ticketProblem(decision.error);
      try {
        const result = await appendToTicket(this.store, { ...ticket, ticketId }, decision.events, metadataOf(context), now);
        return { ticketId, revision: result.nextExpectedRevision, position: formatPosition(result.position), replayed: false };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        if (context.expectedRevision !== undefined) throw revisionMismatch(context.expectedRevision, ticket.revision + 1);
      }
    }
    throw new ProblemError(problem(409, 'CONCURRENCY_CONFLICT', `the ticket kept changing; gave up after ${MAX_ATTEMPTS} attempts`));
  }
}

function metadataOf(context: CommandContext): CommandMetadata {
  return {
    commandId: context.commandId,
    correlationId: context.correlationId,
    causationId: context.commandId,
    actor: { name: context.actor.keyId, role: context.actor.role },
    requestHash: context.requestHash,
  };
}

/** The stored answer of a command already applied, or a 422 when the key came with another body. */
function firstAnswer(recorded: readonly RecordedEvent[], ticketId: string, context: CommandContext): CommandResult | undefined {
  const caused = recorded.filter((event) => event.metadata.commandId === context.commandId);
  if (caused.length === 0) return undefined;
  if (caused[0].metadata.requestHash !== context.requestHash) {
    throw new ProblemError(
      problem(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with another request on this ticket'),
    );
  }
  const last = caused[caused.length - 1];
  return { ticketId, revision: last.revision, position: formatPosition(last.position), replayed: true };
}

function revisionMismatch(expected: number, actual: number): ProblemError {
  return new ProblemError(
    problem(412, 'REVISION_MISMATCH', `If-Match expected revision ${expected}, the ticket is at ${actual}`, { currentRevision: actual }),
  );
}
