import type { TicketEvent } from '../ticket-events';
import { acknowledged, arrived, dispatched, paused, reported, restored, resumed, t } from '../testing/ticket-spec';
import { consultationHandlingMs } from './clocks';
import { clocksAt, DEALER_SERVICE, history, HOUR, IT_PLAN, MIN } from './testing/clock-spec';

const ref = (revision: number, type: string, minutes: number) => ({ revision, type, at: t(minutes) });
const reprioritized = (minutes: number, to: 'general' | 'major' = 'major'): TicketEvent => ({
  type: 'TicketReprioritized',
  data: { from: to === 'major' ? 'general' : 'major', to, reason: 'production line stopped', at: t(minutes) },
});

describe('pausing', () => {
  const pausedAt10 = [reported(), paused(t(10))];

  it('given a pause at 10 min, when read at 20 min, then the clock is held and its due time moves with now', () => {
    expect(clocksAt(t(20), IT_PLAN, ...pausedAt10).clock('response')).toMatchObject({
      state: 'paused',
      elapsedMs: 10 * MIN,
      pausedMs: 10 * MIN,
      dueAt: t(40),
      events: { paused: [ref(1, 'TicketPaused', 10)], resumed: [] },
    });
    expect(clocksAt(t(25), IT_PLAN, ...pausedAt10).clock('response').dueAt).toBe(t(45));
  });

  it('given a 15 min pause, then the due time is 15 min later and the paused time is kept', () => {
    expect(clocksAt(t(30), IT_PLAN, ...pausedAt10, resumed(t(25))).clock('response')).toMatchObject({
      state: 'warning',
      elapsedMs: 15 * MIN,
      pausedMs: 15 * MIN,
      dueAt: t(45),
      events: { paused: [ref(1, 'TicketPaused', 10)], resumed: [ref(2, 'TicketResumed', 25)] },
    });
  });

  it('never breaches a held clock below its target, however long the pause', () => {
    expect(clocksAt(t(5000), IT_PLAN, ...pausedAt10).clock('response')).toMatchObject({ state: 'paused', dueAt: t(5020) });
  });

  it('a clock started during a pause starts held', () => {
    const { clock } = clocksAt(t(60), IT_PLAN, reported(), acknowledged(t(5)), paused(t(10)), dispatched('s1', 'senior', t(20)));
    expect(clock('seniorArrival')).toMatchObject({
      state: 'paused',
      elapsedMs: 0,
      pausedMs: 40 * MIN,
      events: { started: ref(3, 'EngineerDispatched', 20), paused: [ref(2, 'TicketPaused', 10)] },
    });
  });

  it('a met clock ignores later pauses', () => {
    const { clock } = clocksAt(t(60), IT_PLAN, reported(), acknowledged(t(5)), paused(t(10)));
    expect(clock('response')).toMatchObject({ state: 'met', pausedMs: 0, events: { paused: [] } });
  });
});

describe('reprioritizing', () => {
  it('given general -> major at 10 min, then the response target is 15 min, the elapsed time is kept and the due time moves', () => {
    const { clock } = clocksAt(t(12), IT_PLAN, reported(), reprioritized(10));
    expect(clock('response')).toMatchObject({
      state: 'warning',
      severity: 'major',
      target: 'PT15M',
      elapsedMs: 12 * MIN,
      dueAt: t(15),
      percentUsed: 80,
      events: { retargeted: [ref(1, 'TicketReprioritized', 10)] },
    });
    expect(clock('restoration')).toMatchObject({ target: 'PT4H', dueAt: t(240) });
  });

  it('keeps the paused time too: a 5 min pause before the change puts the due time at 20 min', () => {
    const { clock } = clocksAt(t(12), IT_PLAN, reported(), paused(t(5)), resumed(t(10)), reprioritized(11));
    expect(clock('response')).toMatchObject({ target: 'PT15M', elapsedMs: 7 * MIN, pausedMs: 5 * MIN, dueAt: t(20) });
  });

  it('given the new target is already used up, then the clock is breached since the moment it was', () => {
    const { clock } = clocksAt(t(21), IT_PLAN, reported(), reprioritized(20));
    expect(clock('response')).toMatchObject({ state: 'breached', dueAt: t(15), elapsedMs: 21 * MIN });
  });

  it('never changes a met clock', () => {
    const { clock } = clocksAt(t(12), IT_PLAN, reported(), acknowledged(t(8)), reprioritized(10));
    expect(clock('response')).toMatchObject({ state: 'met', severity: 'general', target: 'PT30M', events: { retargeted: [] } });
  });

  it('drops a clock while its new severity has no target for it, and brings it back with its time', () => {
    const noMajorResponse = {
      ...IT_PLAN,
      targets: { ...IT_PLAN.targets, major: { restoration: 'PT4H' } },
    };
    expect(clocksAt(t(12), noMajorResponse, reported(), reprioritized(10)).metrics).toEqual(['restoration']);
    const back = clocksAt(t(20), noMajorResponse, reported(), reprioritized(10), reprioritized(15, 'general'));
    expect(back.clock('response')).toMatchObject({ elapsedMs: 20 * MIN, target: 'PT30M' });
  });
});

describe('arrival under the dealer agreement', () => {
  const onTheWay = (zone?: 'urban' | 'suburban') => [
    reported(zone ? { zone } : {}),
    acknowledged(t(5)),
    dispatched('e1', 'onsite', t(10)),
    dispatched('e2', 'onsite', t(15)),
  ];

  it('given a suburban ticket, then the first engineer has 4 h; given no zone, 2 h as in town', () => {
    expect(clocksAt(t(200), DEALER_SERVICE, ...onTheWay('suburban'), arrived('e1', 'onsite', t(200))).clock('arrival')).toMatchObject({
      state: 'met',
      target: 'PT4H',
      elapsedMs: 190 * MIN,
      dueAt: t(250),
    });
    expect(clocksAt(t(200), DEALER_SERVICE, ...onTheWay(), arrived('e1', 'onsite', t(200))).clock('arrival')).toMatchObject({
      state: 'breached',
      target: 'PT2H',
      dueAt: t(130),
    });
  });

  it('measures the first dispatch only', () => {
    const { clock } = clocksAt(t(100), DEALER_SERVICE, ...onTheWay('urban'), arrived('e2', 'onsite', t(60)));
    expect(clock('arrival')).toMatchObject({ state: 'warning', stoppedAt: null, elapsedMs: 90 * MIN });
  });

  it('given service is restored before anyone arrives, then the arrival clock stops with the restore', () => {
    const { clock } = clocksAt(t(100), DEALER_SERVICE, ...onTheWay('urban'), restored(t(50)));
    expect(clock('arrival')).toMatchObject({ state: 'met', elapsedMs: 40 * MIN, events: { stopped: ref(4, 'Restored', 50) } });
  });

  it('has no on-site resolution or senior clocks, as the agreement sets none', () => {
    expect(clocksAt(t(20), DEALER_SERVICE, ...onTheWay()).metrics).toEqual(['response', 'restoration', 'arrival']);
  });
});

describe('consultation handling time', () => {
  const consultation = [reported({ kind: 'consultation' }), acknowledged(t(1)), paused(t(2)), resumed(t(4))];

  it('is the business time from report to restore without the pauses', () => {
    expect(consultationHandlingMs(history(...consultation, restored(t(6))), IT_PLAN)).toBe(4 * MIN);
  });

  it('is null while not restored, and for a fault', () => {
    expect(consultationHandlingMs(history(...consultation), IT_PLAN)).toBeNull();
    expect(consultationHandlingMs(history(reported(), acknowledged(t(1)), restored(t(6))), IT_PLAN)).toBeNull();
    expect(consultationHandlingMs([], IT_PLAN)).toBeNull();
  });

  it('counts 1 h as 1 h on 24x7', () => {
    expect(consultationHandlingMs(history(reported({ kind: 'consultation' }), acknowledged(t(1)), restored(t(60))), IT_PLAN)).toBe(HOUR);
  });
});
