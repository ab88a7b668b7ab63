import { acknowledged, arrived, dispatched, reported, restored, t } from '../testing/ticket-spec';
import { clocksAt, DEALER_SERVICE, HOUR, MIN } from './testing/clock-spec';
import type { SlaPolicy } from './sla-policy';

// The dealer agreement counts the arrival from the call: "on site within N hours of the call".
const FROM_REPORT: SlaPolicy = { ...DEALER_SERVICE, arrivalFrom: 'report' };

describe('an arrival clock that runs from the report', () => {
  const steps = [reported(), acknowledged(t(20)), dispatched('e1', 'onsite', t(100)), arrived('e1', 'onsite', t(150))];

  it('counts report to arrival (150 min: breached against 2 h), where from the dispatch it is 50 min (met)', () => {
    const fromReport = clocksAt(t(200), FROM_REPORT, ...steps).clock('arrival');
    expect(fromReport).toMatchObject({ startedAt: t(0), stoppedAt: t(150), elapsedMs: 150 * MIN, state: 'breached' });
    const fromDispatch = clocksAt(t(200), DEALER_SERVICE, ...steps).clock('arrival');
    expect(fromDispatch).toMatchObject({ startedAt: t(100), stoppedAt: t(150), elapsedMs: 50 * MIN, state: 'met' });
  });

  it('runs before anyone is sent, and is stopped by the first engineer dispatched', () => {
    const waiting = clocksAt(t(60), FROM_REPORT, reported(), acknowledged(t(20))).clock('arrival');
    expect(waiting).toMatchObject({ startedAt: t(0), stoppedAt: null, elapsedMs: HOUR });
    const other = clocksAt(t(200), FROM_REPORT, reported(), dispatched('e1', 'onsite', t(10)), dispatched('e2', 'onsite', t(20)), arrived('e2', 'onsite', t(30)));
    expect(other.clock('arrival').stoppedAt).toBeNull();
  });

  it('measures nothing when the fault is fixed with nobody sent', () => {
    expect(clocksAt(t(200), FROM_REPORT, reported(), acknowledged(t(20)), restored(t(60))).metrics).not.toContain('arrival');
  });
});
