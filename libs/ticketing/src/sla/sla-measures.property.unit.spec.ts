import fc from 'fast-check';
import { reported, t } from '../testing/ticket-spec';
import { evaluateClocks } from './clocks';
import { dueSlaAlarms, measureSla, nextSlaAlarmAt } from './sla-alarms';
import { history, IT_PLAN } from './testing/clock-spec';
import { faultSteps, iso, later, policies, runSteps, START_MS } from './testing/random-history';


describe('measureSla: the clocks and the next alarm time from one reading of the history', () => {
  it.each(policies)('on %s, gives what evaluateClocks (less the text) and nextSlaAlarmAt give, alarms raised or not', (_name, policy) => {
    fc.assert(
      fc.property(faultSteps, later, later, fc.boolean(), ({ report, steps }, alarmedAfter, readAfter, alarmed) => {
        const { events, endMs } = runSteps(START_MS, report, steps);
        // The alarms the follower would have appended at some moment, so some are already raised.
        const raised = alarmed ? dueSlaAlarms(history(...events), policy, iso(endMs + alarmedAfter * 60_000)) : [];
        const entries = history(...events, ...raised);
        const now = iso(endMs + readAfter * 60_000);
        const measured = measureSla(entries, policy, now);
        const clocks = evaluateClocks(entries, policy, now).map(({ explanation: _text, ...clock }) => clock);
        expect(measured).toEqual({ clocks, nextAlarmAt: nextSlaAlarmAt(entries, policy, now) });
      }),
    );
  });

  it('given a report, then the clocks are those of the report and the next alarm is the first 50 % warning', () => {
    const { clocks, nextAlarmAt } = measureSla(history(reported()), IT_PLAN, t(1));
    expect(clocks.map((clock) => `${clock.metric}:${clock.state}:${clock.dueAt}`)).toEqual([
      `response:running:${t(30)}`,
      `onsiteResolution:running:${t(60)}`,
      `restoration:running:${evaluateClocks(history(reported()), IT_PLAN, t(1))[2]!.dueAt}`,
    ]);
    expect(clocks.some((clock) => 'explanation' in clock)).toBe(false);
    expect(nextAlarmAt).toBe(t(15));
  });

  it('given a consultation, then no clocks and no alarm time', () => {
    expect(measureSla(history(reported({ kind: 'consultation' })), IT_PLAN, t(500))).toEqual({ clocks: [], nextAlarmAt: undefined });
  });
});
