import { parseInstant, type IsoInstant } from '../business-time';
import { isFact, type AlarmKind, type SlaAlarmWithdrawn, type TicketEvent } from '../ticket-events';
import { clockTimeline, type HistoryEntry } from './clock-timeline';
import { measureTimeline } from './clocks';
import { scaledOnce } from './scaled-policy';
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
 * Whether the facts justify a warning or a breach: the facts dated up to the alarm's time put
 * the clock's crossing of that fraction of its target exactly at that time. Facts dated later
 * cannot change it (an alarm that was true when it was due stays true, as a severity raised
 * afterwards does not rewrite it); a fact dated before it can (an acknowledgement in time, a
 * pause, a severity that moves the crossing), and then the alarm is untrue.
 */
function justified(facts: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, alarm: StandingAlarm): boolean {
  const atMs = parseInstant(alarm.at);
  if (atMs === undefined) return false;
  const known = facts.filter(({ event }) => (parseInstant(event.data.at) ?? Infinity) <= atMs);
  const timeline = clockTimeline(known);
  if (!timeline || timeline.kind !== 'fault') return false;
  const clock = measureTimeline(timeline, scaledOnce(policy, alarm.fraction), atMs).find((c) => c.metric === alarm.metric);
  return clock !== undefined && clock.state === 'breached' && clock.dueAt === alarm.at;
}

/**
 * The standing alarms that the history's facts make untrue, in the order they were raised: each
 * warning or breach the facts no longer justify, and each escalation whose breach that is (an
 * escalation stands or falls with a standing breach of its metric). Only alarms dated at or
 * after `since` are judged: the facts before an alarm decide it, so a fact dated `since` cannot
 * change an earlier alarm. Pure.
 */
export function untrueAlarms(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, since: IsoInstant): StandingAlarm[] {
  const standing = standingAlarms(history);
  if (standing.length === 0) return [];
  const facts = history.filter(({ event }) => isFact(event));
  const untrue = new Set<StandingAlarm>();
  for (const alarm of standing) {
    if (alarm.alarm !== 'escalation' && alarm.at >= since && !justified(facts, policy, alarm)) untrue.add(alarm);
  }
  const breached = new Set(standing.filter((a) => a.alarm === 'breach' && !untrue.has(a)).map((a) => a.metric));
  for (const alarm of standing) {
    if (alarm.alarm === 'escalation' && !breached.has(alarm.metric)) untrue.add(alarm);
  }
  return standing.filter((alarm) => untrue.has(alarm));
}

/**
 * The withdrawals a fact owes: appended after `fact` (the last event of `history`, which it must
 * already hold), one per alarm that the facts make untrue, dated at the fact's business time.
 */
export function withdrawalsFor(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, fact: TicketEvent): SlaAlarmWithdrawn[] {
  const at = fact.data.at;
  const untrue = untrueAlarms(history, policy, at);
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
