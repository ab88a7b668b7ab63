import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import { WrongExpectedRevision, type EventStore } from '@app/event-store';
import { dueSlaAlarms, EVENT_SCHEMA_VERSION, raisableNow, toTicketEvent } from '@app/ticketing';
import { CLOCK, type Clock } from '../clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, EVENT_STORE } from '../event-store/event-store.module';
import { PolicyCatalog } from '../policies/policy-catalog';
import { appendChained } from '../commands/stream-commands';
import { CommandStreams } from '../commands/command-streams';
import { loadTicket, ticketStream } from '../tickets/ticket-stream';

/**
 * What raising came to: how many events were appended, and when alarms were owed but held for
 * the late-entry grace, the moment (server time) they may be raised.
 */
export interface RaisedAlarms {
  readonly raised: number;
  readonly heldUntil?: string;
}

/** Append the SLA warnings, breaches and escalations a ticket is owed now, if any. */
export class RaiseSlaAlarms extends Command<RaisedAlarms> {
  constructor(readonly ticketId: string) {
    super();
  }
}

const MAX_ATTEMPTS = 5;

/**
 * Exactly once, whoever runs it: the command id is derived from the alarms themselves and the
 * revision they were decided on, and the append expects that revision, so of several processes
 * raising the same alarms one append wins and the others, reading again, find nothing owed. A
 * late fact racing with this loses or wins the same way: whichever appends second decides again
 * on the other's events (an alarm the fact makes untrue is then not raised, or is withdrawn).
 */
@CommandHandler(RaiseSlaAlarms)
export class RaiseSlaAlarmsHandler implements ICommandHandler<RaiseSlaAlarms, RaisedAlarms> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly policies: PolicyCatalog,
    private readonly streams: CommandStreams,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ ticketId }: RaiseSlaAlarms): Promise<RaisedAlarms> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const ticket = await loadTicket(this.store, ticketId);
      if (ticket.state.status === 'none') return { raised: 0 };
      const policy = this.policies.find(ticket.state.policyId, ticket.state.policyVersion);
      if (!policy) return { raised: 0 };
      const now = this.clock.now();
      const history = ticket.recorded.map((event) => ({ revision: event.revision, event: toTicketEvent(event) }));
      const reportRecordedAt = String(ticket.recorded[0]?.metadata.recordedAt ?? now);
      const graceMs = this.config.slaLateEntryGraceMs;
      const owed = dueSlaAlarms(history, policy, now);
      const alarms = raisableNow(owed, { reportRecordedAt, graceMs }, now);
      if (alarms.length === 0) {
        return owed.length === 0 ? { raised: 0 } : { raised: 0, heldUntil: new Date(Date.parse(reportRecordedAt) + graceMs).toISOString() };
      }
      // The revision is part of the id: an alarm withdrawn by a late fact may be owed again, with the same key, later.
      const key = alarms.map((a) => `${a.type}:${a.data.metric}:${'threshold' in a.data ? a.data.threshold : ''}:${a.data.at}`).join('|');
      const commandId = `sla-alarms-${createHash('sha256').update(`${ticketId}|${ticket.revision}|${key}`).digest('hex').slice(0, 32)}`;
      if (ticket.recorded.some((event) => event.metadata.commandId === commandId)) return { raised: 0 };
      try {
        await appendChained(
          this.store,
          ticketStream(ticketId),
          ticket.recorded,
          alarms,
          (event) => EVENT_SCHEMA_VERSION[event.type],
          { commandId, correlationId: commandId, causationId: commandId, actor: { name: 'deadline-follower', role: 'system' } },
          now,
        );
        // The ticket's next command must not decide on the stream as it was before these events.
        this.streams.outdated(ticketStream(ticketId));
        return { raised: alarms.length };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
      }
    }
    return { raised: 0 };
  }
}
