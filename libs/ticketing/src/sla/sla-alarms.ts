import { parseInstant, type IsoInstant } from '../business-time';
import type { EscalationRequired, SlaBreached, SlaWarningReached } from '../ticket-events';
import { clockNowMs, measureClock, runOf, timedAgainst, type SlaClockMeasure } from './clocks';
import { clockTimeline, type HistoryEntry } from './clock-timeline';
import { crossings, hasTurns, type Crossing } from './crossings';
import { parseIsoDuration } from './iso-duration';
import { standingAlarms } from './alarm-withdrawal';
import { scaledOnce } from './scaled-policy';
import { SLA_METRICS, targetOf, type SlaPolicy } from './sla-policy';

export { scaledPolicy } from './scaled-policy';

export type SlaAlarm = SlaWarningReached | SlaBreached | EscalationRequired;

/** Every alarm not standing yet: its first crossing, or where its clock stands while it has none. */
function candidates(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, now: IsoInstant): Crossing[] {
  return crossings(history, policy, now, [...policy.warningThresholds, 1], raisedAlarms(history));
}

/**
 * The engine-raised events a ticket is owed at `now` and does not have yet: each warning
 * threshold crossed and each breach, dated at the moment it happened (business time, so a
 * business-hours policy warns in working time), in time order, with the escalations the policy
 * asks for on a breach. A warning stands once per metric and threshold, a breach once per
 * metric, for the ticket's life; one a late fact withdrew is owed again where the facts now put
 * it. Pure: the deadline follower appends what this returns.
 */
export function dueSlaAlarms(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, now: IsoInstant): SlaAlarm[] {
  const escalated = new Set(standingAlarms(history).flatMap((alarm) => (alarm.alarm === 'escalation' ? [alarm.metric] : [])));
  const alarms: SlaAlarm[] = [];
  // A crossing is what the clock scaled to that fraction calls a breach: for an open clock, now is
  // past its due time; for a stopped one, it ran longer than the fraction of its target.
  for (const { metric, fraction, scaled, real, crossed } of candidates(history, policy, now)) {
    if (!crossed) continue;
    if (fraction < 1) {
      alarms.push({ type: 'SlaWarningReached', data: { metric, threshold: fraction, dueAt: real.dueAt, policyVersion: policy.version, at: scaled.dueAt } });
      continue;
    }
    alarms.push({ type: 'SlaBreached', data: { metric, dueAt: real.dueAt, policyVersion: policy.version, at: real.dueAt } });
    for (const rule of policy.escalations ?? []) {
      if (rule.metric === metric && !escalated.has(metric)) {
        alarms.push({ type: 'EscalationRequired', data: { metric, reason: rule.reason, at: real.dueAt } });
      }
    }
  }
  // Time order; at the same instant a warning comes before a breach, a breach before its escalation.
  const rank = { SlaWarningReached: 0, SlaBreached: 1, EscalationRequired: 2 } as const;
  return alarms.sort((a, b) => (a.data.at < b.data.at ? -1 : a.data.at > b.data.at ? 1 : rank[a.type] - rank[b.type]));
}

/**
 * The first moment at which the ticket owes an alarm: one already owed at `now` (its own time,
 * in the past), else the earliest threshold or due time a running clock will reach. Undefined
 * while nothing is pending (clocks stopped, paused or alarmed): only a new event changes that.
 */
export function nextSlaAlarmAt(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, now: IsoInstant): IsoInstant | undefined {
  return nextOf(candidates(history, policy, now));
}

function nextOf(found: readonly Crossing[]): IsoInstant | undefined {
  let next: IsoInstant | undefined;
  for (const { scaled, crossed: owed } of found) {
    const ahead = scaled.stoppedAt === null && scaled.state !== 'paused';
    if ((owed || ahead) && (next === undefined || scaled.dueAt < next)) next = scaled.dueAt;
  }
  return next;
}

/** A fault's clocks and its next alarm time at one `now`, as `measureSla` gives them. */
export type SlaMeasures = Readonly<{
  /** `evaluateClocks` without the explanations. */
  clocks: SlaClockMeasure[];
  /** `nextSlaAlarmAt`. */
  nextAlarmAt: IsoInstant | undefined;
}>;

/**
 * `evaluateClocks` (less the explanation text) and `nextSlaAlarmAt` of one history at one `now`,
 * reading the history once: for a projection that stores both for every ticket it touches.
 */
export function measureSla(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, now: IsoInstant): SlaMeasures {
  const timeline = clockTimeline(history, policy);
  if (!timeline || timeline.kind !== 'fault') return { clocks: [], nextAlarmAt: undefined };
  const nowMs = clockNowMs(timeline, now);
  const raised = raisedAlarms(history);
  const calendar = policy.calendar;
  const clocks: SlaClockMeasure[] = [];
  // As nextOf over the candidates, with each clock's run measured once for all its targets: the
  // real clock gives the breach, the clock against each scaled target a warning.
  let next: number | undefined;
  const consider = (ahead: boolean, state: string, dueMs: number) => {
    if ((state === 'breached' || ahead) && (next === undefined || earlier(dueMs, next))) next = dueMs;
  };
  const tracks = [...timeline.tracks].sort((a, b) => SLA_METRICS.indexOf(a.metric) - SLA_METRICS.indexOf(b.metric));
  for (const track of tracks) {
    const severity = track.stopped?.severity ?? timeline.severity;
    const run = runOf(track, calendar, nowMs);
    const clock = measureClock(track, { policy, severity, zone: timeline.zone, nowMs }, run);
    if (!clock) continue;
    clocks.push(clock);
    // Stopped or held: no alarm ahead, only those already owed.
    const ahead = clock.stoppedAt === null;
    for (const fraction of policy.warningThresholds) {
      // Most histories hold no alarm: no key to build for them.
      if (raised.size > 0 && raised.has(`${clock.metric}:${fraction}`)) continue;
      const targetMs = parseIsoDuration(targetOf(scaledOnce(policy, fraction), severity, track.metric, timeline.zone));
      if (targetMs === undefined) continue;
      const { dueMs, state } = timedAgainst(track, run, calendar, targetMs, nowMs);
      consider(ahead && state !== 'paused', state, dueMs);
    }
    if (raised.size === 0 || !raised.has(`${clock.metric}:1`)) consider(ahead && clock.state !== 'paused', clock.state, Date.parse(clock.dueAt));
  }
  // A severity change or a reopen can put a crossing where only reading the stretches between them finds it.
  if (hasTurns(history)) return { clocks, nextAlarmAt: nextSlaAlarmAt(history, policy, now) };
  return { clocks, nextAlarmAt: next === undefined ? undefined : new Date(next).toISOString() };
}

/** The warnings and breaches that stand, as `metric:fraction` (a breach's fraction is 1). */
function raisedAlarms(history: ReadonlyArray<HistoryEntry>): Set<string> {
  const raised = new Set<string>();
  for (const { alarm, metric, fraction } of standingAlarms(history)) if (alarm !== 'escalation') raised.add(`${metric}:${fraction}`);
  return raised;
}

/** How long alarms that were already due when a ticket was recorded wait for its late facts. */
export type LateEntryGrace = Readonly<{
  /** When the server recorded the ticket's report (its `recordedAt`, server time). */
  reportRecordedAt: IsoInstant;
  /** The grace in ms (`SLA_LATE_ENTRY_GRACE`); 0 raises everything at once. */
  graceMs: number;
}>;

/**
 * The alarms of `dueSlaAlarms` that may be raised at `now` (server time): an alarm dated before
 * the report was recorded waits until `graceMs` after the recording, so that a clerk entering a
 * call after the fact has time to enter what happened before the engine calls it late. Alarms
 * that fell due after the recording are never held. Pure.
 */
export function raisableNow(alarms: readonly SlaAlarm[], { reportRecordedAt, graceMs }: LateEntryGrace, now: IsoInstant): SlaAlarm[] {
  if (graceMs <= 0) return [...alarms];
  const recordedMs = parseInstant(reportRecordedAt);
  const nowMs = parseInstant(now);
  if (recordedMs === undefined || nowMs === undefined || nowMs >= recordedMs + graceMs) return [...alarms];
  return alarms.filter((alarm) => (parseInstant(alarm.data.at) ?? -Infinity) >= recordedMs);
}

// Instants from year 0 to 9999 print as fixed-width ISO strings, which compare as the numbers do.
const FIRST_FOUR_DIGIT_YEAR_MS = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_FOUR_DIGIT_YEAR_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** `a` before `b` as their ISO strings compare (the order nextSlaAlarmAt uses). */
function earlier(a: number, b: number): boolean {
  if (a >= FIRST_FOUR_DIGIT_YEAR_MS && b >= FIRST_FOUR_DIGIT_YEAR_MS && a <= LAST_FOUR_DIGIT_YEAR_MS && b <= LAST_FOUR_DIGIT_YEAR_MS) return a < b;
  return new Date(a).toISOString() < new Date(b).toISOString();
}
