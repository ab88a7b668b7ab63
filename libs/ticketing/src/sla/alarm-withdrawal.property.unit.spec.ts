import fc from 'fast-check';
import { decideWithAlarms } from '../decide-with-alarms';
import { evolve } from '../evolve';
import { isFact, type TicketEvent } from '../ticket-events';
import type { TicketCommand } from '../ticket-commands';
import { initialState, type TicketState } from '../ticket-state';
import type { HistoryEntry } from './clock-timeline';
import { evaluateClocks } from './clocks';
import { standingAlarms, untrueAlarms } from './alarm-withdrawal';
import { dueSlaAlarms } from './sla-alarms';
import type { SlaPolicy } from './sla-policy';
import { faultSteps, iso, policies, START_MS, type Step } from './testing/random-history';

const MIN = 60_000;

/** The engine on one ticket: commands decided with their alarms, and a follower raising what is owed. */
class Engine {
  readonly history: HistoryEntry[] = [];
  private state: TicketState = initialState();

  constructor(private readonly policy: SlaPolicy) {}

  private append(events: readonly TicketEvent[]): void {
    for (const event of events) {
      this.history.push({ revision: this.history.length, event });
      this.state = evolve(this.state, event);
    }
  }

  follow(now: string): void {
    this.append(dueSlaAlarms(this.history, this.policy, now));
  }

  /** Returns whether the command was accepted. */
  command(command: TicketCommand, now: string): boolean {
    const decision = decideWithAlarms(command, this.state, now, () => ({ history: this.history, policy: this.policy }));
    if (decision.ok) this.append(decision.events);
    return decision.ok;
  }

  facts(): TicketEvent[] {
    return this.history.map(({ event }) => event).filter(isFact);
  }

  /** The alarms standing, as what they say (not where in the stream they are). */
  standing(): string[] {
    return standingAlarms(this.history)
      .map(({ alarm, metric, fraction, at }) => `${alarm}:${metric}:${fraction}@${at}`)
      .sort();
  }

  clocksAt(now: string) {
    // Revisions differ between two streams of the same facts; what the clocks measure does not.
    return evaluateClocks(this.history, this.policy, now).map(({ metric, state, dueAt, stoppedAt, elapsedMs, pausedMs, severity }) => ({
      metric,
      state,
      dueAt,
      stoppedAt,
      elapsedMs,
      pausedMs,
      severity,
    }));
  }
}

const withAt = (command: TicketCommand, at: string) => ({ ...command, data: { ...command.data, at } }) as TicketCommand;

/** How late each fact is entered (minutes after its business time) and whether the follower ran just before. */
const entry = fc.record({ lateBy: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 240 })), followFirst: fc.boolean() });

const withEscalation = policies.map(([name, policy]) => [
  name,
  { ...policy, escalations: [{ metric: 'onsiteResolution', on: 'breach' as const, reason: 'send a senior engineer' }] },
]) as [string, SlaPolicy][];

describe('late facts: for any history of facts and any order of recording', () => {
  it.each(withEscalation)(
    'on %s, the alarms standing after the last command are exactly those of the same facts sent live, and none is withdrawn twice',
    (_name, policy) => {
      fc.assert(
        fc.property(faultSteps, fc.array(entry, { minLength: 41, maxLength: 41 }), fc.integer({ min: 0, max: 600 }), ({ report, steps }, entries, tail) => {
          const timed: Array<Step & { atMs: number }> = [];
          let atMs = START_MS;
          for (const step of [{ minutes: 0, command: report }, ...steps]) timed.push({ ...step, atMs: (atMs += step.minutes * MIN) });

          // Live: each fact entered when it happens, the follower keeping up in between.
          const live = new Engine(policy);
          const liveAccepted = timed.map(({ command, atMs: at }) => {
            live.follow(iso(at));
            return live.command(withAt(command, iso(at)), iso(at));
          });

          // Late: each fact entered some time after it happened (never before an earlier entry), the
          // follower running at the entry times it happens to run, on whatever facts it knows then.
          const late = new Engine(policy);
          let enteredMs = START_MS;
          const lateAccepted = timed.map(({ command, atMs: at }, i) => {
            enteredMs = Math.max(enteredMs, at + entries[i]!.lateBy * MIN);
            if (entries[i]!.followFirst) late.follow(iso(enteredMs));
            return late.command(withAt(command, iso(at)), iso(enteredMs));
          });

          const endMs = Math.max(enteredMs, atMs) + tail * MIN;
          live.follow(iso(endMs));
          late.follow(iso(endMs));

          expect(lateAccepted).toEqual(liveAccepted);
          expect(late.facts()).toEqual(live.facts());
          expect(late.standing()).toEqual(live.standing());
          expect(late.clocksAt(iso(endMs))).toEqual(live.clocksAt(iso(endMs)));
          for (const engine of [live, late]) {
            // Judged whole at the end, no alarm left standing is untrue.
            expect(untrueAlarms(engine.history, policy)).toEqual([]);
            const withdrawn = engine.history.flatMap(({ event }) => (event.type === 'SlaAlarmWithdrawn' ? [event.data.alarmRevision] : []));
            expect(new Set(withdrawn).size).toBe(withdrawn.length);
            // Each withdrawal names an alarm raised before it.
            for (const revision of withdrawn) expect(engine.history[revision]?.event.type).toMatch(/^(SlaWarningReached|SlaBreached|EscalationRequired)$/);
          }
        }),
        { numRuns: 150 },
      );
    },
  );
});
