import type { TicketEvent } from '../ticket-events';
import { acknowledged, paused, reported, resumed } from '../testing/ticket-spec';
import type { SlaPolicy } from './sla-policy';
import { BERLIN_WORKSHOP, SHANGHAI_OFFICE } from './testing/calendars';
import { clocksAt, IT_PLAN, MIN } from './testing/clock-spec';

const SHANGHAI_PLAN: SlaPolicy = { ...IT_PLAN, id: 'it-support-business-hours', calendar: SHANGHAI_OFFICE };
const BERLIN_PLAN: SlaPolicy = { ...IT_PLAN, id: 'berlin-workshop', calendar: BERLIN_WORKSHOP };

// Times written in local wall time with their offset, normalised as stored events hold them.
const at = (local: string) => new Date(local).toISOString();
const reportedAt = (local: string) => reported({ at: at(local) });
const ackAt = (local: string): TicketEvent => acknowledged(at(local));

describe('clocks on business hours in Asia/Shanghai', () => {
  it('given a report at Friday 17:30, then the 30 min response is due Monday 09:00 (30 min used by 18:00, 0 left)', () => {
    const { clock } = clocksAt(at('2026-11-28T12:00:00+08:00'), SHANGHAI_PLAN, reportedAt('2026-11-27T17:30:00+08:00'));
    expect(clock('response')).toMatchObject({
      state: 'warning',
      dueAt: at('2026-11-30T09:00:00+08:00'),
      elapsedMs: 30 * MIN,
      percentUsed: 100,
    });
    expect(clock('response').explanation).toContain('in business hours (Asia/Shanghai)');
  });

  it('given that ticket still open at Monday 09:00, then it is breached', () => {
    const { clock } = clocksAt(at('2026-11-30T09:00:00+08:00'), SHANGHAI_PLAN, reportedAt('2026-11-27T17:30:00+08:00'));
    expect(clock('response').state).toBe('breached');
  });

  it('given the acknowledgement Monday 08:55 before work starts, then the response is met with 30 min used', () => {
    const { clock } = clocksAt(
      at('2026-11-30T10:00:00+08:00'),
      SHANGHAI_PLAN,
      reportedAt('2026-11-27T17:30:00+08:00'),
      ackAt('2026-11-30T08:55:00+08:00'),
    );
    expect(clock('response')).toMatchObject({ state: 'met', elapsedMs: 30 * MIN });
  });

  it('does not count the lunch break: report 11:50, acknowledged 13:15, 25 min used', () => {
    const { clock } = clocksAt(
      at('2026-11-25T14:00:00+08:00'),
      SHANGHAI_PLAN,
      reportedAt('2026-11-25T11:50:00+08:00'),
      ackAt('2026-11-25T13:15:00+08:00'),
    );
    expect(clock('response')).toMatchObject({ state: 'met', elapsedMs: 25 * MIN, dueAt: at('2026-11-25T13:20:00+08:00') });
  });

  it('skips the October holidays: report Wednesday 17:50, due Tuesday 09:20', () => {
    const { clock } = clocksAt(at('2026-10-03T12:00:00+08:00'), SHANGHAI_PLAN, reportedAt('2026-09-30T17:50:00+08:00'));
    expect(clock('response')).toMatchObject({ state: 'running', elapsedMs: 10 * MIN, dueAt: at('2026-10-06T09:20:00+08:00') });
  });

  it('given a pause over the weekend, when nothing was working time, then nothing changes', () => {
    const plain = [reportedAt('2026-11-27T17:50:00+08:00')];
    const withPause = [...plain, paused(at('2026-11-28T10:00:00+08:00')), resumed(at('2026-11-29T10:00:00+08:00'))];
    const now = at('2026-11-30T09:05:00+08:00');
    const without = clocksAt(now, SHANGHAI_PLAN, ...plain).clock('response');
    const held = clocksAt(now, SHANGHAI_PLAN, ...withPause).clock('response');
    expect(held).toMatchObject({ elapsedMs: 15 * MIN, pausedMs: 0, dueAt: without.dueAt, state: without.state });
    expect(without.dueAt).toBe(at('2026-11-30T09:20:00+08:00'));
  });
});

describe('clocks across the DST change in Europe/Berlin', () => {
  // Every day 08:00-18:00, Sunday round the clock; on Sunday 2026-03-29 02:00 CET becomes 03:00 CEST.
  it('given a report Saturday 17:30 CET, then 8 h of restoration run out Sunday 08:30 CEST, 7.5 real hours after midnight CET', () => {
    const { clock } = clocksAt(at('2026-03-29T04:00:00+02:00'), BERLIN_PLAN, reportedAt('2026-03-28T17:30:00+01:00'));
    expect(clock('restoration')).toMatchObject({
      dueAt: at('2026-03-29T08:30:00+02:00'),
      // 30 min on Saturday, then 00:00 CET to 04:00 CEST is 3 real hours.
      elapsedMs: 210 * MIN,
    });
    expect(clock('response')).toMatchObject({ state: 'breached', dueAt: at('2026-03-29T00:00:00+01:00') });
  });
});
