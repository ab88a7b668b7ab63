import { parseInstant, type IsoInstant } from '../business-time';
import type { Severity, Zone } from '../ticket-vocabulary';
import { addWorkingMs, workingMsBetween, type SlaCalendar } from './calendar';
import { explainClock } from './clock-explanation';
import { clockTimeline, type ClockTimeline, type ClockTrack, type HistoryEntry, type SlaEventRef, type Span } from './clock-timeline';
import { parseIsoDuration, type IsoDuration } from './iso-duration';
import { SLA_METRICS, targetOf, type SlaMetric, type SlaPolicy } from './sla-policy';

export type SlaClockState = 'running' | 'paused' | 'warning' | 'met' | 'breached';

/** One SLA clock of a ticket at `now`, with what it is made of and the events that moved it. */
export type SlaClock = Readonly<{
  metric: SlaMetric;
  state: SlaClockState;
  /** The target as the policy writes it, and in ms of business time. */
  target: IsoDuration;
  targetMs: number;
  startedAt: IsoInstant;
  /** When the target is used up (business time, pauses included); moves while paused. */
  dueAt: IsoInstant;
  stoppedAt: IsoInstant | null;
  /** Business time the clock ran, pauses excluded. */
  elapsedMs: number;
  /** Business time the clock was held: pauses, and restore-to-reopen. */
  pausedMs: number;
  percentUsed: number;
  warningThresholdsPassed: number[];
  /** The severity the target comes from: the current one, or the one at the stop. */
  severity: Severity;
  policyId: string;
  policyVersion: number;
  events: Readonly<{
    started: SlaEventRef;
    paused: SlaEventRef[];
    resumed: SlaEventRef[];
    stopped: SlaEventRef | null;
    retargeted: SlaEventRef[];
  }>;
  explanation: string;
}>;

/** A clock without its explanation: what stores and the alarm timing read. */
export type SlaClockMeasure = Omit<SlaClock, 'explanation'>;

export type ClockContext = Readonly<{ policy: SlaPolicy; severity: Severity; zone: Zone | null; nowMs: number }>;

/**
 * The per-ticket SLA clocks of a ticket at `now`: a pure function of (events, policy, now).
 * Faults only (a consultation is measured by the consultation average); a clock not yet started,
 * or whose metric the policy leaves out for the severity, is not listed. A `now` earlier than the
 * history is read as the history's latest time.
 */
export function evaluateClocks(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, now: IsoInstant): SlaClock[] {
  const timeline = clockTimeline(history, policy);
  if (!timeline || timeline.kind !== 'fault') return [];
  return measureTimeline(timeline, policy, clockNowMs(timeline, now)).map((clock) => ({ ...clock, explanation: explainClock(clock, policy.calendar) }));
}

/** The clocks' "now": `now`, or the history's latest time when `now` is earlier. */
export function clockNowMs(timeline: ClockTimeline, now: IsoInstant): number {
  return Math.max(instant(now), timeline.lastMs);
}

/**
 * The clocks of a fault's timeline under `policy` at `nowMs` (see `clockNowMs`), in metric
 * order, without explanations: `evaluateClocks` less its text, for callers that read one
 * timeline under several policies or never show the text.
 */
export function measureTimeline(timeline: ClockTimeline, policy: SlaPolicy, nowMs: number): SlaClockMeasure[] {
  if (timeline.kind !== 'fault') return [];
  const tracks = [...timeline.tracks].sort((a, b) => SLA_METRICS.indexOf(a.metric) - SLA_METRICS.indexOf(b.metric));
  const clocks: SlaClockMeasure[] = [];
  for (const track of tracks) {
    const clock = measureClock(track, { policy, severity: track.stopped?.severity ?? timeline.severity, zone: timeline.zone, nowMs });
    if (clock) clocks.push(clock);
  }
  return clocks;
}

/** One clock under a policy; null when the policy has no target for its metric and severity. */
export function evaluateClock(track: ClockTrack, context: ClockContext): SlaClock | null {
  const clock = measureClock(track, context);
  return clock && { ...clock, explanation: explainClock(clock, context.policy.calendar) };
}

/**
 * What a clock ran up to its end (its stop, or now), measured on a calendar: the same whatever
 * target is applied to it, so a clock timed under several targets is measured once.
 */
export type ClockRun = Readonly<{
  end: number;
  /** The running stretches, closed at `end`, and their lengths in working time. */
  running: ReadonlyArray<readonly [number, number]>;
  lengths: readonly number[];
  elapsedMs: number;
  /** Whether it ran up to its end (rather than being held). */
  runningAtEnd: boolean;
}>;

export function runOf(track: ClockTrack, calendar: SlaCalendar, nowMs: number): ClockRun {
  const end = track.stopped?.ms ?? nowMs;
  const running = track.running.map((span) => closed(span, end));
  const lengths = running.map(([from, to]) => workingMsBetween(calendar, from, to));
  const runningAtEnd = track.stopped ? track.stopped.running : track.running.some((span) => span.to === null);
  return { end, running, lengths, elapsedMs: sum(lengths), runningAtEnd };
}

/** When a clock that ran `run` uses up `targetMs`, and its state at `nowMs` against that target. */
export function timedAgainst(
  track: ClockTrack,
  run: ClockRun,
  calendar: SlaCalendar,
  targetMs: number,
  nowMs: number,
): Readonly<{ dueMs: number; state: SlaClockState }> {
  const dueMs = dueOf(calendar, run, targetMs);
  // Only 'warning' against 'running' reads the thresholds, and callers of this ask neither.
  return { dueMs, state: stateOf(track, { elapsedMs: run.elapsedMs, targetMs, dueMs, nowMs, thresholds: 0 }) };
}

/** `evaluateClock` less the explanation; `measured` is the clock's run when the caller has it. */
export function measureClock(track: ClockTrack, context: ClockContext, measured?: ClockRun): SlaClockMeasure | null {
  const { policy, severity, zone, nowMs } = context;
  const target = targetOf(policy, severity, track.metric, zone);
  const targetMs = parseIsoDuration(target);
  if (target === undefined || targetMs === undefined) return null;
  const calendar = policy.calendar;
  const run = measured ?? runOf(track, calendar, nowMs);
  const { end, elapsedMs } = run;
  const pausedMs = sum(track.held.map((span) => closed(span, end)).map(([from, to]) => workingMsBetween(calendar, from, to)));
  const dueMs = dueOf(calendar, run, targetMs);
  const ratio = elapsedMs / targetMs;
  const warningThresholdsPassed = policy.warningThresholds.filter((threshold) => ratio >= threshold);
  const state = stateOf(track, { elapsedMs, targetMs, dueMs, nowMs, thresholds: warningThresholdsPassed.length });
  return {
    metric: track.metric,
    state,
    target,
    targetMs,
    startedAt: track.started.at,
    dueAt: iso(dueMs),
    stoppedAt: track.stopped?.ref.at ?? null,
    elapsedMs,
    pausedMs,
    percentUsed: Math.round(ratio * 10_000) / 100,
    warningThresholdsPassed,
    severity,
    policyId: policy.id,
    policyVersion: policy.version,
    events: {
      started: track.started,
      paused: [...track.paused],
      resumed: [...track.resumed],
      stopped: track.stopped?.ref ?? null,
      retargeted: [...track.retargeted],
    },
  };
}

/**
 * Business time of a consultation from report to restore, pauses excluded (a reopen keeps the
 * time up to the first restore and adds the time from reopen to the next restore); null while it
 * is not restored, and for tickets that are not consultations.
 */
export function consultationHandlingMs(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy): number | null {
  const timeline = clockTimeline(history);
  if (!timeline || timeline.kind !== 'consultation') return null;
  const track = timeline.tracks.find((candidate) => candidate.metric === 'restoration');
  if (!track?.stopped) return null;
  const end = track.stopped.ms;
  return sum(track.running.map((span) => closed(span, end)).map(([from, to]) => workingMsBetween(policy.calendar, from, to)));
}

type Measures = Readonly<{ elapsedMs: number; targetMs: number; dueMs: number; nowMs: number; thresholds: number }>;

/**
 * A clock breaches when it runs past its target: at its due time while it runs; a held clock
 * that had used exactly its target does not, until it runs again (then at once). A stop at the
 * due time is in time.
 */
function stateOf(track: ClockTrack, { elapsedMs, targetMs, dueMs, nowMs, thresholds }: Measures): SlaClockState {
  if (track.stopped) return elapsedMs <= targetMs ? 'met' : 'breached';
  if (track.held.some((span) => span.to === null)) return elapsedMs > targetMs ? 'breached' : 'paused';
  if (nowMs >= dueMs) return 'breached';
  return thresholds > 0 ? 'warning' : 'running';
}

/**
 * When the target is used up. If it was used up within a stretch that already ran, that moment
 * (so a re-target to a shorter target can put the due time in the past). Otherwise the rest of
 * the target counted from the last stretch's start while the clock runs (or ran when it stopped),
 * or from `end` (now, or the stop) while it is held: a held clock's due time moves with the pause.
 */
function dueOf(calendar: SlaCalendar, { running, lengths, runningAtEnd, end }: ClockRun, targetMs: number): number {
  let used = 0;
  for (let i = 0; i < running.length; i++) {
    const length = lengths[i]!;
    if (used + length > targetMs) return addWorkingMs(calendar, running[i]![0], targetMs - used);
    used += length;
  }
  const last = running.length - 1;
  if (runningAtEnd && last >= 0) return addWorkingMs(calendar, running[last]![0], targetMs - (used - lengths[last]!));
  return addWorkingMs(calendar, end, targetMs - used);
}

function closed(span: Span, end: number): readonly [number, number] {
  return [span.from, span.to ?? end];
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function instant(text: IsoInstant): number {
  const ms = parseInstant(text);
  if (ms === undefined) throw new RangeError(`now: ${JSON.stringify(text)} is not an ISO 8601 instant`);
  return ms;
}

function iso(ms: number): IsoInstant {
  return new Date(ms).toISOString();
}
