import fc from 'fast-check';
import { history, IT_PLAN } from './testing/clock-spec';
import { faultSteps, iso, later, policies, runSteps, START_MS } from './testing/random-history';
import { evaluateClocks } from './clocks';


describe('SLA clock properties on random fault histories', () => {
  it('on 24x7, elapsed plus paused time never exceeds the wall time since the clock started', () => {
    fc.assert(
      fc.property(faultSteps, later, ({ report, steps }, minutes) => {
        const { events, endMs } = runSteps(START_MS, report, steps);
        const nowMs = endMs + minutes * 60_000;
        for (const clock of evaluateClocks(history(...events), IT_PLAN, iso(nowMs))) {
          const wall = Date.parse(clock.stoppedAt ?? iso(nowMs)) - Date.parse(clock.startedAt);
          expect(clock.elapsedMs + clock.pausedMs).toBeLessThanOrEqual(wall);
        }
      }),
    );
  });

  it.each(policies)('on %s, a met clock stays met, unchanged, when read later', (_name, policy) => {
    fc.assert(
      fc.property(faultSteps, later, later, ({ report, steps }, m1, m2) => {
        const { events, endMs } = runSteps(START_MS, report, steps);
        const first = evaluateClocks(history(...events), policy, iso(endMs + Math.min(m1, m2) * 60_000));
        const second = evaluateClocks(history(...events), policy, iso(endMs + Math.max(m1, m2) * 60_000));
        for (const met of first.filter((clock) => clock.state === 'met')) {
          expect(second.find((clock) => clock.metric === met.metric)).toEqual(met);
        }
      }),
    );
  });

  it.each(policies)('on %s, a pause never brings a due time forward', (_name, policy) => {
    fc.assert(
      fc.property(faultSteps, later, ({ report, steps }, minutes) => {
        const { events, endMs } = runSteps(START_MS, report, steps);
        // The same history without its pauses: each dropped step's minutes go to the next one.
        let carried = 0;
        const unpaused = steps.flatMap((step) => {
          if (step.command.type === 'PauseTicket' || step.command.type === 'ResumeTicket') {
            carried += step.minutes;
            return [];
          }
          const kept = { ...step, minutes: step.minutes + carried };
          carried = 0;
          return [kept];
        });
        const plain = runSteps(START_MS, report, unpaused).events;
        const now = iso(endMs + minutes * 60_000);
        const withPauses = evaluateClocks(history(...events), policy, now);
        for (const clock of evaluateClocks(history(...plain), policy, now)) {
          const paused = withPauses.find((candidate) => candidate.metric === clock.metric);
          if (paused) expect(paused.dueAt >= clock.dueAt).toBe(true);
        }
      }),
    );
  });
});
