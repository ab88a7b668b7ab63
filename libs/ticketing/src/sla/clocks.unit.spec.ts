import {
  acknowledged,
  arrived,
  closed,
  dispatched,
  reopened,
  reportFiled,
  reported,
  restored,
  t,
} from '../testing/ticket-spec';
import { clocksAt, HOUR, IT_PLAN, MIN } from './testing/clock-spec';

// Business time t(m) is m minutes after 10:00Z on 2026-11-25; the IT plan runs 24x7.
const ref = (revision: number, type: string, minutes: number) => ({ revision, type, at: t(minutes) });

describe('SLA clocks of the IT plan on a fault', () => {
  it('given the on-site engineer restores within the hour, then response, on-site resolution, restoration and report are met', () => {
    const { clocks, clock, metrics } = clocksAt(
      t(2000),
      IT_PLAN,
      reported(),
      acknowledged(t(20)),
      dispatched('e1', 'onsite', t(22)),
      arrived('e1', 'onsite', t(40)),
      restored(t(55)),
      reportFiled(t(655)),
      closed(t(700)),
    );
    expect(metrics).toEqual(['response', 'onsiteResolution', 'restoration', 'report']);
    expect(clocks.every((c) => c.state === 'met')).toBe(true);
    expect(clock('response')).toEqual({
      metric: 'response',
      state: 'met',
      target: 'PT30M',
      targetMs: 30 * MIN,
      startedAt: t(0),
      dueAt: t(30),
      stoppedAt: t(20),
      elapsedMs: 20 * MIN,
      pausedMs: 0,
      percentUsed: 66.67,
      warningThresholdsPassed: [0.5],
      severity: 'general',
      policyId: 'it-support-plan',
      policyVersion: 1,
      events: {
        started: ref(0, 'TicketReported', 0),
        paused: [],
        resumed: [],
        stopped: ref(1, 'ResponseAcknowledged', 20),
        retargeted: [],
      },
      explanation: expect.stringContaining('20m of 30m used (66.67 %): met.'),
    });
    expect(clock('onsiteResolution')).toMatchObject({ dueAt: t(60), elapsedMs: 55 * MIN, stoppedAt: t(55) });
    expect(clock('restoration')).toMatchObject({ dueAt: t(480), elapsedMs: 55 * MIN, percentUsed: 11.46 });
    expect(clock('report')).toMatchObject({
      startedAt: t(55),
      dueAt: t(55 + 24 * 60),
      elapsedMs: 10 * HOUR,
      events: { started: ref(4, 'Restored', 55), stopped: ref(5, 'ReportFiled', 655) },
    });
  });

  it('given an escalation to a senior engineer, then all five clocks, on-site resolution and a late report breached', () => {
    const { clock, metrics } = clocksAt(
      t(3000),
      IT_PLAN,
      reported(),
      acknowledged(t(20)),
      dispatched('e1', 'onsite', t(22)),
      arrived('e1', 'onsite', t(40)),
      dispatched('s1', 'senior', t(70), true),
      arrived('s1', 'senior', t(190)),
      restored(t(300)),
      reportFiled(t(300 + 25 * 60)),
    );
    expect(metrics).toEqual(['response', 'onsiteResolution', 'seniorArrival', 'restoration', 'report']);
    expect(clock('response')).toMatchObject({ state: 'met', elapsedMs: 20 * MIN });
    expect(clock('onsiteResolution')).toMatchObject({ state: 'breached', dueAt: t(60), elapsedMs: 5 * HOUR, percentUsed: 500 });
    // Exactly on target is met: 2 h from the senior dispatch to the senior's arrival.
    expect(clock('seniorArrival')).toMatchObject({
      state: 'met',
      startedAt: t(70),
      dueAt: t(190),
      elapsedMs: 2 * HOUR,
      percentUsed: 100,
      warningThresholdsPassed: [0.5, 0.75],
    });
    expect(clock('restoration')).toMatchObject({ state: 'met', elapsedMs: 5 * HOUR });
    expect(clock('report')).toMatchObject({ state: 'breached', dueAt: t(300 + 24 * 60), elapsedMs: 25 * HOUR });
    expect(clock('report').explanation).toContain('after the due time');
  });

  it('lists no clock before it starts: no report clock before the restore, no senior arrival without a senior', () => {
    const { metrics } = clocksAt(t(10), IT_PLAN, reported(), acknowledged(t(5)), dispatched('e1', 'onsite', t(8)));
    expect(metrics).toEqual(['response', 'onsiteResolution', 'restoration']);
  });

  it('stops the clock at the arrival of the engineer dispatched, not of another one', () => {
    const { clock } = clocksAt(
      t(400),
      IT_PLAN,
      reported(),
      acknowledged(t(5)),
      dispatched('s1', 'senior', t(10)),
      dispatched('s2', 'senior', t(20)),
      arrived('s2', 'senior', t(60)),
    );
    expect(clock('seniorArrival')).toMatchObject({ state: 'breached', dueAt: t(130), stoppedAt: null, elapsedMs: 390 * MIN });
  });
});

describe('open clocks over time', () => {
  const open = [reported()];

  it('runs below the first threshold', () => {
    expect(clocksAt(t(10), IT_PLAN, ...open).clock('response')).toMatchObject({
      state: 'running',
      elapsedMs: 10 * MIN,
      percentUsed: 33.33,
      warningThresholdsPassed: [],
      dueAt: t(30),
      stoppedAt: null,
    });
  });

  it('warns at 50 % and again at 75 %', () => {
    expect(clocksAt(t(15), IT_PLAN, ...open).clock('response')).toMatchObject({
      state: 'warning',
      percentUsed: 50,
      warningThresholdsPassed: [0.5],
    });
    expect(clocksAt(t(23), IT_PLAN, ...open).clock('response')).toMatchObject({
      state: 'warning',
      percentUsed: 76.67,
      warningThresholdsPassed: [0.5, 0.75],
    });
  });

  it('is breached from the due time while the ticket is open', () => {
    const { clock } = clocksAt(t(30), IT_PLAN, ...open);
    expect(clock('response')).toMatchObject({ state: 'breached', percentUsed: 100, dueAt: t(30) });
    expect(clock('response').explanation).toContain('still open');
    expect(clock('onsiteResolution')).toMatchObject({ state: 'warning', percentUsed: 50 });
  });

  it('reads a `now` before the last event as the last event time', () => {
    const { clock } = clocksAt(t(5), IT_PLAN, reported(), acknowledged(t(20)));
    expect(clock('restoration')).toMatchObject({ elapsedMs: 20 * MIN });
  });

  it('refuses a `now` that is not an instant, as a programming error', () => {
    expect(() => clocksAt('yesterday', IT_PLAN, reported())).toThrow(RangeError);
  });

  it('has no clocks for a consultation or an asset ticket', () => {
    expect(clocksAt(t(10), IT_PLAN, reported({ kind: 'consultation' })).clocks).toEqual([]);
    expect(clocksAt(t(10), IT_PLAN, reported({ kind: 'inspection', assetId: 'A-1' })).clocks).toEqual([]);
  });

  it('reopens on-site resolution and restoration from the reopen, keeping the time up to the first restore', () => {
    const events = [reported(), acknowledged(t(5)), restored(t(30)), reportFiled(t(40)), closed(t(50)), reopened(t(60))];
    const { clock, metrics } = clocksAt(t(70), IT_PLAN, ...events);
    expect(metrics).toEqual(['response', 'onsiteResolution', 'restoration']);
    expect(clock('restoration')).toMatchObject({
      state: 'running',
      elapsedMs: 40 * MIN,
      pausedMs: 30 * MIN,
      dueAt: t(60 + 450),
      stoppedAt: null,
      events: {
        started: ref(0, 'TicketReported', 0),
        paused: [ref(2, 'Restored', 30)],
        resumed: [ref(5, 'TicketReopened', 60)],
        stopped: null,
      },
    });
    expect(clock('onsiteResolution')).toMatchObject({ state: 'warning', elapsedMs: 40 * MIN, dueAt: t(90) });

    const again = clocksAt(t(100), IT_PLAN, ...events, restored(t(80)));
    expect(again.clock('restoration')).toMatchObject({ state: 'met', elapsedMs: 50 * MIN, pausedMs: 30 * MIN, stoppedAt: t(80) });
    expect(again.clock('report')).toMatchObject({ state: 'running', startedAt: t(80), elapsedMs: 20 * MIN });
    expect(again.clock('report').events.started).toEqual(ref(6, 'Restored', 80));
  });
});
