import { isFact } from '../ticket-events';
import { clockNowMs, measureTimeline, type SlaClockMeasure } from './clocks';
import { clockTimeline, type HistoryEntry } from './clock-timeline';
import { scaledOnce } from './scaled-policy';
import type { SlaPolicy } from './sla-policy';

/**
 * Where a clock stands against one fraction of its target (a warning threshold, or 1 for the
 * breach): crossed, with the moment it is dated, or not yet.
 */
export type Crossing = Readonly<{
  metric: string;
  fraction: number;
  /** The clock under the policy scaled by `fraction`: its due time is the crossing's moment. */
  scaled: SlaClockMeasure;
  /** The clock under the real policy when the crossing came (or now), for the due time an alarm reports. */
  real: SlaClockMeasure;
  crossed: boolean;
}>;

/**
 * The first crossing of each fraction of each clock's target, as the facts put it, and for the
 * clocks that have not crossed one yet, where they stand now (`crossed: false`).
 *
 * A severity change re-targets a clock and keeps what it used, so it can put a crossing in the
 * past: a general fault's response clock at minute 16, made major with a 15-minute target, has
 * passed its 50 % at minute 7.5 and its due time at 15. A reopen drops the incident-report clock
 * with what it crossed. So the history is read in stretches between such turns: a crossing found
 * in one is dated by what was in force then, and a later turn does not move or drop it (as a
 * follower that kept up would have raised it). Without a turn this is the one reading of the
 * whole history. Keys already in `skip` (`metric:fraction`) are left out. Pure.
 */
export function crossings(
  history: ReadonlyArray<HistoryEntry>,
  policy: SlaPolicy,
  now: string,
  fractions: readonly number[],
  skip: ReadonlySet<string> = new Set(),
): Crossing[] {
  const facts = history.filter(({ event }) => isFact(event));
  const whole = clockTimeline(facts, policy);
  if (!whole || whole.kind !== 'fault') return [];
  const nowMs = clockNowMs(whole, now);
  const found = new Map<string, Crossing>();
  const segments = stretches(facts);
  for (const [index, { upTo, untilMs }] of segments.entries()) {
    const last = index === segments.length - 1;
    const timeline = last ? whole : clockTimeline(upTo, policy);
    if (!timeline) continue;
    // A stretch that ends at untilMs is read at untilMs: what crossed before then is its own.
    const at = last ? nowMs : untilMs;
    const real = measureTimeline(timeline, policy, at);
    for (const fraction of fractions) {
      const clocks = fraction === 1 ? real : measureTimeline(timeline, scaledOnce(policy, fraction), at);
      for (const scaled of clocks) {
        const key = `${scaled.metric}:${fraction}`;
        if (skip.has(key) || found.get(key)?.crossed) continue;
        const clock = real.find((c) => c.metric === scaled.metric);
        if (!clock) continue;
        // At a turn's very moment the turn wins: a crossing then is judged after it.
        const crossed = scaled.state === 'breached' && (last || Date.parse(scaled.dueAt) < untilMs);
        if (crossed || last) found.set(key, { metric: scaled.metric, fraction, scaled, real: clock, crossed });
      }
    }
  }
  return [...found.values()];
}

/**
 * The facts after which a reading of the whole history no longer shows what came before: a
 * severity change (it re-targets the clocks) and a reopen (it drops the incident-report clock).
 */
const TURNS = new Set(['TicketReprioritized', 'TicketReopened']);

/** Whether the history has a turn: only then can a crossing depend on when it is read. */
export function hasTurns(history: ReadonlyArray<HistoryEntry>): boolean {
  return history.some(({ event }) => TURNS.has(event.type));
}

/**
 * The facts split at each turn: each stretch holds the facts before the turn that ends it (the
 * last, all of them), and when that turn came.
 */
function stretches(facts: ReadonlyArray<HistoryEntry>): Array<{ upTo: ReadonlyArray<HistoryEntry>; untilMs: number }> {
  const found: Array<{ upTo: ReadonlyArray<HistoryEntry>; untilMs: number }> = [];
  facts.forEach(({ event }, index) => {
    if (TURNS.has(event.type)) found.push({ upTo: facts.slice(0, index), untilMs: Date.parse(event.data.at) });
  });
  found.push({ upTo: facts, untilMs: Infinity });
  return found;
}
