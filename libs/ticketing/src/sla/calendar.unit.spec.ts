import { addBusinessDuration, businessDurationBetween, nextWorkingInstant } from './calendar';
import { BERLIN_WORKSHOP, NEW_YORK_SHIFTS, ROUND_THE_CLOCK, SHANGHAI_OFFICE } from './testing/calendars';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('24x7 calendar', () => {
  it('measures and adds wall time as it is', () => {
    expect(businessDurationBetween(ROUND_THE_CLOCK, '2026-11-25T10:00:00.000Z', '2026-11-26T10:30:00.000Z')).toBe(24.5 * HOUR);
    expect(addBusinessDuration(ROUND_THE_CLOCK, '2026-11-25T10:00:00.000Z', 30 * MIN)).toBe('2026-11-25T10:30:00.000Z');
    expect(addBusinessDuration(ROUND_THE_CLOCK, '2026-11-25T10:00:00.000Z', 0)).toBe('2026-11-25T10:00:00.000Z');
  });

  it('counts nothing backwards', () => {
    expect(businessDurationBetween(ROUND_THE_CLOCK, '2026-11-25T10:00:00.000Z', '2026-11-25T09:00:00.000Z')).toBe(0);
  });
});

describe('business hours in Asia/Shanghai (UTC+8), 09:00-12:00 and 13:00-18:00 Mon-Fri', () => {
  it('given a report at Friday 17:30 local, when 30 minutes are added, then they run out at 18:00 and the due time is Monday 09:00', () => {
    // Friday 2026-11-27 17:30 +08:00; the 30 minutes are used up by 18:00, nothing more is used
    // before Monday 09:00, so that is the last instant at which exactly 30 minutes have passed.
    const due = addBusinessDuration(SHANGHAI_OFFICE, '2026-11-27T17:30:00+08:00', 30 * MIN);
    expect(due).toBe('2026-11-30T01:00:00.000Z'); // Monday 09:00 local
    expect(businessDurationBetween(SHANGHAI_OFFICE, '2026-11-27T17:30:00+08:00', due)).toBe(30 * MIN);
  });

  it('given 31 minutes from Friday 17:30, then the last minute is Monday 09:00-09:01', () => {
    expect(addBusinessDuration(SHANGHAI_OFFICE, '2026-11-27T17:30:00+08:00', 31 * MIN)).toBe('2026-11-30T01:01:00.000Z');
  });

  it('skips the lunch break: 11:45 plus 30 minutes is 13:15', () => {
    expect(addBusinessDuration(SHANGHAI_OFFICE, '2026-11-25T11:45:00+08:00', 30 * MIN)).toBe('2026-11-25T05:15:00.000Z');
    expect(businessDurationBetween(SHANGHAI_OFFICE, '2026-11-25T11:45:00+08:00', '2026-11-25T13:15:00+08:00')).toBe(30 * MIN);
  });

  it('skips holidays as whole days: Wednesday 17:45 before the October holidays plus 30 minutes is Tuesday 09:15', () => {
    // Thu 1, Fri 2 and Mon 5 October 2026 are holidays; Sat 3 and Sun 4 are not working days.
    expect(addBusinessDuration(SHANGHAI_OFFICE, '2026-09-30T17:45:00+08:00', 30 * MIN)).toBe('2026-10-06T01:15:00.000Z');
    expect(businessDurationBetween(SHANGHAI_OFFICE, '2026-09-30T00:00:00+08:00', '2026-10-07T00:00:00+08:00')).toBe(2 * 8 * HOUR);
  });

  it('measures a working week as 40 hours', () => {
    expect(businessDurationBetween(SHANGHAI_OFFICE, '2026-11-23T00:00:00+08:00', '2026-11-30T00:00:00+08:00')).toBe(40 * HOUR);
  });

  it('adds whole days of business time (PnD is n x 24 h of working time, three working days here)', () => {
    expect(addBusinessDuration(SHANGHAI_OFFICE, '2026-11-23T09:00:00+08:00', 24 * HOUR)).toBe('2026-11-26T01:00:00.000Z');
  });

  it('finds the next working instant', () => {
    expect(nextWorkingInstant(SHANGHAI_OFFICE, '2026-11-25T10:00:00+08:00')).toBe('2026-11-25T02:00:00.000Z');
    expect(nextWorkingInstant(SHANGHAI_OFFICE, '2026-11-25T12:00:00+08:00')).toBe('2026-11-25T05:00:00.000Z');
    expect(nextWorkingInstant(SHANGHAI_OFFICE, '2026-11-28T10:00:00+08:00')).toBe('2026-11-30T01:00:00.000Z');
    expect(nextWorkingInstant(SHANGHAI_OFFICE, '2026-11-25T18:00:00+08:00')).toBe('2026-11-26T01:00:00.000Z');
  });

  it('measures five years day by day, and parts of it add up to the whole', () => {
    const whole = businessDurationBetween(SHANGHAI_OFFICE, '2026-01-01T00:00:00Z', '2031-01-01T00:00:00Z');
    const parts =
      businessDurationBetween(SHANGHAI_OFFICE, '2026-01-01T00:00:00Z', '2028-06-15T04:30:00Z') +
      businessDurationBetween(SHANGHAI_OFFICE, '2028-06-15T04:30:00Z', '2031-01-01T00:00:00Z');
    expect(whole).toBe(parts);
    // 1304 weekdays from 2026 to 2030, less the 5 holidays listed (all on weekdays).
    expect(whole).toBe((1304 - 5) * 8 * HOUR);
    expect(addBusinessDuration(SHANGHAI_OFFICE, '2026-01-01T00:00:00Z', whole)).toBe('2031-01-01T01:00:00.000Z');
  });
});

describe('DST in Europe/Berlin', () => {
  it('given the spring change (Sunday 2026-03-29, 02:00 -> 03:00), then a round-the-clock Sunday has 23 hours', () => {
    expect(businessDurationBetween(BERLIN_WORKSHOP, '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00')).toBe(23 * HOUR);
  });

  it('given the autumn change (Sunday 2026-10-25, 03:00 -> 02:00), then a round-the-clock Sunday has 25 hours', () => {
    expect(businessDurationBetween(BERLIN_WORKSHOP, '2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00')).toBe(25 * HOUR);
  });

  it('adds across the spring change in real time: Saturday 17:00 CET plus 2 h is Sunday 01:00 CET, plus 3 h is 04:00 CEST', () => {
    // Saturday 17:00-18:00 CET gives 1 h; Sunday from 00:00 CET another hour ends at 01:00 CET.
    expect(addBusinessDuration(BERLIN_WORKSHOP, '2026-03-28T17:00:00+01:00', 2 * HOUR)).toBe('2026-03-29T00:00:00.000Z');
    // Three hours into Sunday: 00:00-02:00 CET is 2 h, then the clock jumps to 03:00 CEST.
    expect(addBusinessDuration(BERLIN_WORKSHOP, '2026-03-29T00:00:00+01:00', 3 * HOUR)).toBe('2026-03-29T02:00:00.000Z');
  });

  it('keeps an 08:00-18:00 day at 10 hours on the Monday after the change (offsets differ from the week before)', () => {
    expect(businessDurationBetween(BERLIN_WORKSHOP, '2026-03-23T00:00:00Z', '2026-03-24T00:00:00Z')).toBe(10 * HOUR);
    expect(addBusinessDuration(BERLIN_WORKSHOP, '2026-03-30T08:00:00+02:00', 10 * HOUR)).toBe('2026-03-31T06:00:00.000Z');
  });

  it('treats a holiday as the whole local day', () => {
    expect(businessDurationBetween(BERLIN_WORKSHOP, '2026-12-24T00:00:00+01:00', '2026-12-27T00:00:00+01:00')).toBe(2 * 10 * HOUR);
  });
});

describe('DST in America/New_York with a shift over the changing hour', () => {
  it('given the autumn change (2026-11-01, 02:00 EDT -> 01:00 EST), then the 01:00-03:00 shift lasts 3 real hours', () => {
    // 01:00 happens twice; the shift starts at the first one (01:00 EDT = 05:00Z), ends 03:00 EST (08:00Z).
    expect(businessDurationBetween(NEW_YORK_SHIFTS, '2026-11-01T04:00:00Z', '2026-11-01T12:00:00Z')).toBe(3 * HOUR);
  });

  it('given the spring change (2026-03-08, 02:00 EST -> 03:00 EDT), then the 01:00-03:00 shift lasts 1 real hour', () => {
    expect(businessDurationBetween(NEW_YORK_SHIFTS, '2026-03-08T05:00:00Z', '2026-03-08T12:00:00Z')).toBe(1 * HOUR);
  });

  it('runs a 16:00-24:00 shift to local midnight and skips a holiday', () => {
    expect(addBusinessDuration(NEW_YORK_SHIFTS, '2026-07-02T23:30:00-04:00', HOUR)).toBe('2026-07-05T05:30:00.000Z');
  });
});
