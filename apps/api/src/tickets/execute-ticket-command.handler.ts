import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  decideWithAlarms,
  ENGINEER_TIERS,
  EVENT_SCHEMA_VERSION,
  ticketError,
  toTicketEvent,
  usesEntitlement,
  type AssetCommand,
  type DispatchEngineer,
  type ReportTicket,
  type TicketCommand,
  type TicketEvent,
  type TicketState,
} from '@app/ticketing';
import { ASSETS } from '../assets/asset-stream';
import { problem, ProblemError } from '../http/problem';
import { CLOCK, type Clock } from '../clock';
import { CommandStreams } from '../commands/command-streams';
import { PolicyCatalog } from '../policies/policy-catalog';
import { runCommand, type AggregateType, type CommandOutcome } from '../commands/stream-commands';
import type { CommandContext } from './command-context';
import { foldTicket, ticketStream } from './ticket-stream';
import { engineerStream, foldEngineer, foldUnit, unitStream } from '../network/network-streams';

/**
 * Tickets as the command runner sees them. A fact may be dated before alarms the engine raised;
 * the decision then reads the stream and the ticket's policy to withdraw those it makes untrue.
 */
export function ticketsUnder(policies: PolicyCatalog): AggregateType<TicketState, TicketCommand, TicketEvent> {
  return {
    name: 'ticket',
    streamOf: ticketStream,
    fold: foldTicket,
    decide: (command, state, now, recorded) => {
      const policy = () => (state.status === 'none' ? undefined : policies.find(state.policyId, state.policyVersion));
      if (command.type === 'CloseTicket' && state.status === 'restored' && state.signOff === null && policy()?.requireSignOffToClose) {
        return { ok: false, error: ticketError('SIGN_OFF_REQUIRED', `cannot close the ticket: policy ${state.policyId} closes a ticket only after the customer signed the repair order (POST /v1/tickets/${state.ticketId}/sign-off)`) };
      }
      return decideWithAlarms(command, state, now, () => ({
        history: recorded().map((event) => ({ revision: event.revision, event: toTicketEvent(event) })),
        policy: policy(),
      }));
    },
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
    if (command.type === 'DispatchEngineer') command = await this.fromRoster(ticketId, command);
    return runCommand(this.streams, this.tickets, ticketId, command, context, () => this.clock.now());
  }

  /**
   * A dispatch to a ticket with a service unit sends a registered, active engineer of that unit
   * or of its parent, with the tier on the roster when the request names none. A ticket without
   * a unit needs the tier in the request, as before the network existed.
   */
  private async fromRoster(ticketId: string, dispatch: DispatchEngineer): Promise<DispatchEngineer> {
    const ticket = (await this.streams.load(ticketStream(ticketId), foldTicket, { fresh: true })).state;
    if (ticket.status === 'none') return dispatch; // TICKET_NOT_FOUND, from the decider
    const { engineerId, tier } = dispatch.data;
    if (ticket.serviceUnitId === null || typeof engineerId !== 'string') {
      if (tier === undefined) {
        const message = `tier must be one of ${ENGINEER_TIERS.join(', ')}`;
        throw new ProblemError(problem(400, 'VALIDATION_FAILED', `tier: ${message}`, { errors: [{ field: 'tier', message }] }));
      }
      return dispatch;
    }
    const unitId = ticket.serviceUnitId;
    const engineer = (await this.streams.load(engineerStream(engineerId), foldEngineer, { fresh: true })).state;
    const refuse = (code: string, message: string) => new ProblemError(problem(400, code, message, { errors: [{ field: 'engineerId', message }] }));
    if (engineer.status === 'none') throw refuse('UNKNOWN_ENGINEER', `no engineer ${engineerId} is registered`);
    const unit = (await this.streams.load(unitStream(unitId), foldUnit, { fresh: true })).state;
    const allowed = [unitId, ...(unit.status !== 'none' && unit.parentId !== null ? [unit.parentId] : [])];
    if (engineer.status === 'left') throw refuse('ENGINEER_NOT_IN_UNIT', `engineer ${engineerId} left the service at ${engineer.left!.at}`);
    if (!allowed.includes(engineer.unitId)) {
      throw refuse('ENGINEER_NOT_IN_UNIT', `engineer ${engineerId} works in unit ${engineer.unitId}; ticket ${ticketId} is with unit ${allowed.join(' (or its parent ')}${allowed.length > 1 ? ')' : ''}`);
    }
    return tier === undefined ? { ...dispatch, data: { ...dispatch.data, tier: engineer.tier } } : dispatch;
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
