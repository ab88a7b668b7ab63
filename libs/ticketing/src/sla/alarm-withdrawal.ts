import type { IsoInstant } from '../business-time';
import { isFact, type AlarmKind, type SlaAlarmWithdrawn, type TicketEvent } from '../ticket-events';
import type { HistoryEntry } from './clock-timeline';
import { crossings } from './crossings';
import type { SlaPolicy } from './sla-policy';

/** An alarm the engine raised and no late fact has withdrawn. */
export type StandingAlarm = Readonly<{
  alarm: AlarmKind;
  metric: string;
  /** The warning's threshold; 1 for a breach and for an escalation (which follows a breach). */
  fraction: number;
  /** The revision of the event that raised it. */
  revision: number;
  at: IsoInstant;
}>;

/** The alarms of a history that stand: raised, and not withdrawn by a later event of it. */
export function standingAlarms(history: ReadonlyArray<HistoryEntry>): StandingAlarm[] {
  const raised = new Map<number, StandingAlarm>();
  for (const { revision, event } of history) {
    switch (event.type) {
      case 'SlaWarningReached':
        raised.set(revision, { alarm: 'warning', metric: event.data.metric, fraction: event.data.threshold, revision, at: event.data.at });
        break;
      case 'SlaBreached':
        raised.set(revision, { alarm: 'breach', metric: event.data.metric, fraction: 1, revision, at: event.data.at });
        break;
      case 'EscalationRequired':
        raised.set(revision, { alarm: 'escalation', metric: event.data.metric, fraction: 1, revision, at: event.data.at });
        break;
      case 'SlaAlarmWithdrawn':
        raised.delete(event.data.alarmRevision);
        break;
      default:
        break;
    }
  }
  return [...raised.values()];
}

/**
 * The standing alarms that the history's facts make untrue, in the order they were raised: each
 * warning or breach that is not where the facts put the first crossing of its fraction of its
 * target (`crossings`), and each escalation whose breach that is (an escalation stands or falls
 * with a standing breach of its metric). A fact dated after a crossing does not move it (an alarm
 * true when it fell due stays true, whatever the severity becomes); a fact dated before it can
 * (an acknowledgement in time, a pause, a severity that moves the crossing). `judged` picks the
 * warnings and breaches to judge (all by default); the others are taken as true. Pure.
 */
export function untrueAlarms(
  history: ReadonlyArray<HistoryEntry>,
  policy: SlaPolicy,
  judged: (alarm: StandingAlarm) => boolean = () => true,
): StandingAlarm[] {
  const standing = standingAlarms(history);
  const candidates = standing.filter((alarm) => alarm.alarm !== 'escalation' && judged(alarm));
  if (candidates.length === 0) return [];
  const facts = history.filter(({ event }) => isFact(event));
  // Read late enough that every standing alarm's time has come; a crossing's time does not depend on it.
  let now = standing[0]!.at;
  for (const { event } of history) if (event.data.at > now) now = event.data.at;
  const first = new Map<string, string>();
  for (const found of crossings(facts, policy, now, [...policy.warningThresholds, 1])) {
    if (found.crossed) first.set(`${found.metric}:${found.fraction}`, found.scaled.dueAt);
  }
  const untrue = new Set(candidates.filter((alarm) => first.get(`${alarm.metric}:${alarm.fraction}`) !== alarm.at));
  const breached = new Set(standing.filter((a) => a.alarm === 'breach' && !untrue.has(a)).map((a) => a.metric));
  for (const alarm of standing) {
    if (alarm.alarm === 'escalation' && !breached.has(alarm.metric)) untrue.add(alarm);
  }
  return standing.filter((alarm) => untrue.has(alarm));
}

/**
 * The withdrawals a fact owes: appended after `fact` (the last event of `history`, which it must
 * already hold), one per alarm that the facts make untrue, dated at the fact's business time.
 * `lastFactAt` is the business time of the ticket's last fact before this one.
 *
 * Only what the fact can change is judged: an alarm dated at or after it, and, when the fact
 * comes at the same instant as the fact before it, every alarm (a crossing that only a fact at
 * that instant made known, such as a clock run again with its target used exactly, can be undone
 * by another fact at the same instant). Facts never run backwards, so no other alarm can change:
 * a ticket with a long history and alarms long past pays nothing for them.
 */
export function withdrawalsFor(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, fact: TicketEvent, lastFactAt: string): SlaAlarmWithdrawn[] {
  const at = fact.data.at;
  const sameInstant = lastFactAt === at;
  const untrue = untrueAlarms(history, policy, (alarm) => sameInstant || alarm.at >= at);
  const withdrawn = new Set(untrue.filter((a) => a.alarm === 'breach').map((a) => a.metric));
  return untrue.map((alarm) => ({
    type: 'SlaAlarmWithdrawn',
    data: { alarm: alarm.alarm, metric: alarm.metric, alarmRevision: alarm.revision, reason: reasonFor(alarm, fact, withdrawn.has(alarm.metric)), at },
  }));
}

function reasonFor(alarm: StandingAlarm, fact: TicketEvent, breachWithdrawn: boolean): string {
  const dated = `${fact.type} dated ${fact.data.at}`;
  switch (alarm.alarm) {
    case 'warning':
      return `${dated}: the ${alarm.metric} clock had not used ${Math.round(alarm.fraction * 100)} % of its target at ${alarm.at}`;
    case 'breach':
      return `${dated}: the ${alarm.metric} clock had not passed its due time at ${alarm.at}`;
    case 'escalation':
      return breachWithdrawn
        ? `${dated}: the ${alarm.metric} breach it followed is withdrawn`
        : `${dated}: no breach of the ${alarm.metric} clock stands`;
    default: {
      const _never: never = alarm.alarm;
      return _never;
    }
  }
}
