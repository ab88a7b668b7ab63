import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideWithAlarms, EVENT_SCHEMA_VERSION, toTicketEvent, usesEntitlement, type AssetCommand, type ReportTicket, type TicketCommand, type TicketEvent, type TicketState } from '@app/ticketing';
import { ASSETS } from '../assets/asset-stream';
import { problem, ProblemError } from '../http/problem';
import { CLOCK, type Clock } from '../clock';
import { CommandStreams } from '../commands/command-streams';
import { PolicyCatalog } from '../policies/policy-catalog';
import { runCommand, type AggregateType, type CommandOutcome } from '../commands/stream-commands';
import type { CommandContext } from './command-context';
import { foldTicket, ticketStream } from './ticket-stream';

/**
 * Tickets as the command runner sees them. A fact may be dated before alarms the engine raised;
 * the decision then reads the stream and the ticket's policy to withdraw those it makes untrue.
 */
export function ticketsUnder(policies: PolicyCatalog): AggregateType<TicketState, TicketCommand, TicketEvent> {
  return {
    name: 'ticket',
    streamOf: ticketStream,
    fold: foldTicket,
    decide: (command, state, now, recorded) =>
      decideWithAlarms(command, state, now, () => ({
        history: recorded().map((event) => ({ revision: event.revision, event: toTicketEvent(event) })),
        policy: state.status === 'none' ? undefined : policies.find(state.policyId, state.policyVersion),
      })),
    schemaVersion: (event) => EVENT_SCHEMA_VERSION[event.type],
  };
}

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
  private readonly tickets: AggregateType<TicketState, TicketCommand, TicketEvent>;

  constructor(
    private readonly streams: CommandStreams,
    @Inject(CLOCK) private readonly clock: Clock,
    policies: PolicyCatalog,
  ) {
    this.tickets = ticketsUnder(policies);
  }

  async execute({ ticketId, command, context }: ExecuteTicketCommand): Promise<CommandOutcome> {
    if (command.type === 'ReportTicket' && command.data.assetId) {
      // One business time for the asset's records and the report.
      const at = command.data.at ?? this.clock.now();
      command = { ...command, data: { ...command.data, at } };
      if ((await this.streams.load(ticketStream(ticketId), foldTicket, { fresh: true })).recorded.length === 0) await this.recordOnAsset(ticketId, command, context);
    }
    return runCommand(this.streams, this.tickets, ticketId, command, context, () => this.clock.now());
  }

  /**
   * A ticket against an asset: a relocation, rebuild or inspection (not a revisit) uses one unit of the asset's
   * entitlement (refused when none is left: the ticket is then not reported), and a ticket with
   * a category is recorded as a repair, in or out of warranty at its report time. Both are
   * idempotent per ticket, so a retried report never uses an entitlement twice.
   */
  private async recordOnAsset(ticketId: string, report: ReportTicket, context: CommandContext): Promise<void> {
    const { assetId, kind, category, at } = report.data;
    const steps: AssetCommand[] = [];
    if (usesEntitlement(kind)) steps.push({ type: 'ConsumeEntitlement', data: { entitlement: kind, ticketId, at } });
    // The repair is recorded now; its place in the warranty is decided by the ticket's report time.
    if (category) steps.push({ type: 'RecordRepair', data: { ticketId, category, reportedAt: at! } });
    for (const [i, step] of steps.entries()) {
      const stepContext = { ...context, commandId: `${context.commandId}:asset:${i}`, expectedRevision: undefined };
      try {
        await runCommand(this.streams, ASSETS, assetId!, step, stepContext, () => this.clock.now());
      } catch (error) {
        const code = (error as ProblemError).problem?.code;
        if (code === 'ASSET_NOT_FOUND') {
          throw new ProblemError(problem(400, 'UNKNOWN_ASSET', `no asset ${assetId}`, { errors: [{ field: 'assetId', message: 'is not a registered asset' }] }));
        }
        throw error;
      }
    }
  }
}
