import { Inject, Logger } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import { canonicalJson, readStreamOrEmpty, WrongExpectedRevision, type EventStore } from '@app/event-store';
import { localDate, owedScheduleEvents, scheduleKey, scheduleTicketId, type Asset, type ReportTicket, type ScheduleEvent } from '@app/ticketing';
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
 * For an asset with `autoTickets`, each InspectionDue or RevisitDue appended also reports a ticket
 * of that kind through the ticket commands, after the events are in: its id is derived from the
 * asset and the window or plan (`scheduleTicketId`) and its command id from the ticket, so a
 * second report, by a retry or another process, answers the first or TICKET_ALREADY_EXISTS,
 * which counts as done. An inspection ticket uses the year's inspection entitlement as any
 * inspection ticket does.
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
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const recorded = await readStreamOrEmpty(this.store, stream);
      const state = foldAsset(recorded);
      if (state.status === 'none') return { raised: 0 };
      const now = this.clock.now();
      const owed = owedScheduleEvents(state, localDate(now, state.timeZone), this.config.schedule);
      if (owed.length === 0) return { raised: 0 };
      const revision = recorded[recorded.length - 1].revision;
      const key = owed.map(scheduleKey).join('|');
      const commandId = `schedule-${createHash('sha256').update(`${assetId}|${revision}|${key}`).digest('hex').slice(0, 32)}`;
      if (recorded.some((event) => event.metadata.commandId === commandId)) return { raised: 0 };
      try {
        await appendChained(
          this.store,
          stream,
          recorded,
          owed,
          ASSETS.schemaVersion,
          { commandId, correlationId: commandId, causationId: commandId, actor: { name: 'schedule-follower', role: 'system' } },
          now,
        );
        // The asset's next command must not decide on the stream as it was before these events.
        this.streams.outdated(stream);
        await this.reportTickets(state, owed, commandId);
        return { raised: owed.length };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
      }
    }
    return { raised: 0 };
  }

  /** Reports the tickets the asset asked for on the due inspections and revisits just appended, oldest first. */
  private async reportTickets(asset: Asset, appended: readonly ScheduleEvent[], correlationId: string): Promise<void> {
    const wanted = asset.autoTickets ?? [];
    if (wanted.length === 0 || !this.commands || !this.policies) return;
    const policy = this.policies.defaultPolicy;
    let notBefore = asset.lastEventAt;
    for (const event of appended) {
      if (event.type !== 'InspectionDue' && event.type !== 'RevisitDue') continue;
      const kind = event.type === 'InspectionDue' ? 'inspection' : 'revisit';
      if (!wanted.includes(kind)) continue;
      const key = scheduleKey(event);
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
        correlationId,
        actor: { role: 'system' as Role, keyId: 'schedule-follower' },
        requestHash: createHash('sha256').update(canonicalJson({ route: 'schedule-ticket', body: command })).digest('hex'),
      };
      try {
        await this.commands.execute(new ExecuteTicketCommand(ticketId, command, context));
        this.logger.log(`reported ${kind} ticket ${ticketId} for asset ${asset.assetId} (${key})`);
      } catch (error) {
        const code = (error as ProblemError).problem?.code;
        if (code === 'TICKET_ALREADY_EXISTS') continue;
        this.logger.warn(`asset ${asset.assetId}: the ${kind} ticket for ${key} was not reported (${code ?? (error as Error).message})`);
      }
    }
  }
}
