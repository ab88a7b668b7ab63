import { Inject, Logger } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import { canonicalJson, readStreamOrEmpty, WrongExpectedRevision, type EventStore } from '@app/event-store';
import { localDate, owedScheduleEvents, scheduleKey, scheduleOf, scheduleTicketId, type Asset, type ReportTicket, type ScheduleEntry, type ScheduleEvent } from '@app/ticketing';
import { ASSETS, assetStream, foldAsset } from '../assets/asset-stream';
import { CLOCK, type Clock } from '../clock';
import { CommandStreams } from '../commands/command-streams';
import { appendChained } from '../commands/stream-commands';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, EVENT_STORE } from '../event-store/event-store.module';
import type { ProblemError } from '../http/problem';
import { PolicyCatalog } from '../policies/policy-catalog';
import type { Role } from '../config/app-config';
import { ExecuteTicketCommand } from '../tickets/execute-ticket-command.handler';

/** Append the schedule events an asset is owed today (its local date), if any. */
export class RaiseScheduleEvents extends Command<{ raised: number }> {
  constructor(readonly assetId: string) {
    super();
  }
}

const MAX_ATTEMPTS = 5;

/**
 * Exactly once, whoever runs it: the command id is derived from the asset, the revision the
 * events were decided on and their keys, and the append expects that revision; of several
 * processes raising the same events one append wins and the others, reading again, find the
 * events received and nothing owed. Owed events go in one append, oldest first, each dated at
 * local midnight of the day it fell due.
 *
 * For an asset with `autoTickets`, an InspectionDue or RevisitDue also reports a ticket of that
 * kind through the ticket commands: the batch ends with the event, and the next round reports the
 * ticket before raising anything more (an inspection ticket uses the year's entitlement as any
 * inspection ticket does, so the year is then not overdue). The ticket's id is derived from the
 * asset and the window or plan (`scheduleTicketId`) and its command id from the ticket, so a
 * second report, by a retry, a process that lost a race or one started after a crash, answers the
 * first or TICKET_ALREADY_EXISTS, which counts as done.
 */
@CommandHandler(RaiseScheduleEvents)
export class RaiseScheduleEventsHandler implements ICommandHandler<RaiseScheduleEvents, { raised: number }> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly streams: CommandStreams,
    private readonly commands?: CommandBus,
    private readonly policies?: PolicyCatalog,
  ) {}

  private readonly logger = new Logger('ScheduleFollower');

  async execute({ assetId }: RaiseScheduleEvents): Promise<{ raised: number }> {
    const stream = assetStream(assetId);
    const asked = new Set<string>();
    let raised = 0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const recorded = await readStreamOrEmpty(this.store, stream);
      const state = foldAsset(recorded);
      if (state.status === 'none') return { raised };
      // Tickets owed for what was received first (reported by a process that stopped, or that lost
      // the race to another): an inspection ticket uses the year's entitlement, so it decides
      // whether the year's InspectionOverdue is owed at all.
      const tickets = this.ticketsOwed(state).filter((entry) => !asked.has(entry.key));
      if (tickets.length > 0) {
        for (const entry of tickets) asked.add(entry.key);
        await this.reportTickets(state, tickets);
        attempt--;
        continue;
      }
      const now = this.clock.now();
      const owed = owedScheduleEvents(state, localDate(now, state.timeZone), this.config.schedule);
      if (owed.length === 0) return { raised };
      // An event that reports a ticket ends the batch: its ticket may answer what would follow it.
      const cut = owed.findIndex((event) => this.reportsTicket(state, event));
      const batch = cut < 0 ? owed : owed.slice(0, cut + 1);
      const revision = recorded[recorded.length - 1].revision;
      const key = batch.map(scheduleKey).join('|');
      const commandId = `schedule-${createHash('sha256').update(`${assetId}|${revision}|${key}`).digest('hex').slice(0, 32)}`;
      if (recorded.some((event) => event.metadata.commandId === commandId)) return { raised };
      try {
        await appendChained(
          this.store,
          stream,
          recorded,
          batch,
          ASSETS.schemaVersion,
          { commandId, correlationId: commandId, causationId: commandId, actor: { name: 'schedule-follower', role: 'system' } },
          now,
        );
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        continue;
      }
      // The asset's next command must not decide on the stream as it was before these events.
      this.streams.outdated(stream);
      raised += batch.length;
      if (cut < 0) return { raised };
      // Read again: the next round reports the batch's ticket, then raises what remains.
      attempt--;
    }
    return { raised };
  }

  private autoKind(asset: Asset, type: string): 'inspection' | 'revisit' | undefined {
    const kind = type === 'InspectionDue' ? 'inspection' : type === 'RevisitDue' ? 'revisit' : undefined;
    return kind && (asset.autoTickets ?? []).includes(kind) ? kind : undefined;
  }

  private reportsTicket(asset: Asset, event: ScheduleEvent): boolean {
    return this.autoKind(asset, event.type) !== undefined;
  }

  /**
   * Received due inspections and revisits the asset wants a ticket for and may still lack one:
   * an inspection window with inspections left that its ticket has not used, a plan not done.
   */
  private ticketsOwed(asset: Asset): ScheduleEntry[] {
    if ((asset.autoTickets ?? []).length === 0 || !this.commands || !this.policies) return [];
    const received = new Set(asset.schedule.map((record) => record.key));
    return scheduleOf(asset, this.config.schedule).filter((entry) => {
      if (!received.has(entry.key) || !entry.applies || !this.autoKind(asset, entry.event.type)) return false;
      const ticketId = scheduleTicketId(asset.assetId, entry.key);
      return !asset.consumptions.some((c) => c.ticketId === ticketId);
    });
  }

  /**
   * Reports the tickets of the given entries, oldest first. A ticket already reported (by a retry
   * or another process) counts as done; one refused (its entitlement used meanwhile) is logged and
   * left: the schedule goes on.
   */
  private async reportTickets(asset: Asset, entries: readonly ScheduleEntry[]): Promise<void> {
    const policy = this.policies!.defaultPolicy;
    let notBefore = asset.lastEventAt;
    for (const { event, key } of entries) {
      if (event.type !== 'InspectionDue' && event.type !== 'RevisitDue') continue;
      const kind = event.type === 'InspectionDue' ? 'inspection' : 'revisit';
      const ticketId = scheduleTicketId(asset.assetId, key);
      // Dated when it fell due; never before the asset's latest fact, which its records may not precede.
      const at = event.data.at > notBefore ? event.data.at : notBefore;
      notBefore = at;
      const summary =
        event.type === 'InspectionDue'
          ? `Yearly inspection of ${asset.name}, coverage year ${event.data.year} (${event.data.windowFrom} to ${event.data.windowTo})`
          : `Planned revisit ${event.data.plan} of ${asset.name}, due ${event.data.plannedDueOn}: ${event.data.purpose}`;
      const command: ReportTicket = {
        type: 'ReportTicket',
        data: { ticketId, customerId: asset.customerId, assetId: asset.assetId, channel: 'onsite', kind, severity: 'general', summary, policyId: policy.id, policyVersion: policy.version, at },
      };
      const commandId = `schedule-ticket-${ticketId}`;
      const context = {
        commandId,
        idempotent: true,
        correlationId: commandId,
        actor: { role: 'system' as Role, keyId: 'schedule-follower' },
        requestHash: createHash('sha256').update(canonicalJson({ route: 'schedule-ticket', body: command })).digest('hex'),
      };
      try {
        const outcome = await this.commands!.execute(new ExecuteTicketCommand(ticketId, command, context));
        if (!outcome.replayed) this.logger.log(`reported ${kind} ticket ${ticketId} for asset ${asset.assetId} (${key})`);
      } catch (error) {
        const code = (error as ProblemError).problem?.code;
        if (code === 'TICKET_ALREADY_EXISTS' || code === 'IDEMPOTENCY_KEY_REUSED') continue;
        this.logger.warn(`asset ${asset.assetId}: the ${kind} ticket for ${key} was not reported (${code ?? (error as Error).message})`);
      }
    }
  }
}
