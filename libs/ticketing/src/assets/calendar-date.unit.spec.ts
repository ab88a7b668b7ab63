import fc from 'fast-check';
import { addDays, dateOfDay, dayNumber, daysBetween, isCalendarDate, localDate, periodEnd } from './calendar-date';

describe('calendar dates', () => {
  it('numbers days from 1970-01-01 and back, across leap days and centuries', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('2000-03-01') - dayNumber('2000-02-28')).toBe(2);
    expect(dayNumber('1900-03-01') - dayNumber('1900-02-28')).toBe(1);
    expect(dateOfDay(-1)).toBe('1969-12-31');
    fc.assert(fc.property(fc.integer({ min: -719_162, max: 2_932_896 }), (day) => dayNumber(dateOfDay(day)) === day));
  });

  it('agrees with UTC Date arithmetic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), (day) => dateOfDay(day) === new Date(day * 86_400_000).toISOString().slice(0, 10)),
    );
  });

  it('refuses what is not a date', () => {
    for (const text of ['2025-02-29', '2025-13-01', '2025-6-1', '2025-06-31', '20250601', '', '2025-06-01T00:00']) {
      expect(isCalendarDate(text)).toBe(false);
    }
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(() => dayNumber('2025-02-30')).toThrow(RangeError);
  });

  it('adds and counts days', () => {
    expect(addDays('2025-06-30', 1)).toBe('2025-07-01');
    expect(addDays('2024-12-31', 60)).toBe('2025-03-01');
    expect(daysBetween('2025-03-10', '2025-03-07')).toBe(-3);
  });

  it.each([
    ['2025-07-01', 60, '2030-06-30'],
    ['2025-07-01', 24, '2027-06-30'],
    ['2025-03-01', 1, '2025-03-31'],
    ['2025-01-31', 1, '2025-02-28'],
    ['2025-01-29', 1, '2025-02-28'],
    ['2025-01-28', 1, '2025-02-27'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2024-02-29', 12, '2025-02-28'],
    ['2024-03-01', 12, '2025-02-28'],
    ['2025-08-31', 1, '2025-09-30'],
    ['2025-10-31', 4, '2026-02-28'],
    ['2025-12-15', 1, '2026-01-14'],
  ])('a period from %s of %i months ends on %s', (start, months, end) => {
    expect(periodEnd(start, months)).toBe(end);
  });

  it('never ends a longer period earlier, and a period lasts at least 28 days a month', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10_000, max: 30_000 }), fc.integer({ min: 1, max: 240 }), (day, months) => {
        const start = dateOfDay(day);
        expect(periodEnd(start, months + 1) > periodEnd(start, months)).toBe(true);
        expect(daysBetween(start, periodEnd(start, months)) + 1).toBeGreaterThanOrEqual(28 * months);
        expect(periodEnd(addDays(start, 1), months) >= periodEnd(start, months)).toBe(true);
      }),
    );
  });

  it('reads the local date of an instant in the zone', () => {
    expect(localDate('2030-06-30T20:00:00Z', 'Asia/Shanghai')).toBe('2030-07-01');
    expect(localDate('2030-06-30T15:59:59.999Z', 'Asia/Shanghai')).toBe('2030-06-30');
    expect(localDate('2030-06-30T16:00:00Z', 'Asia/Shanghai')).toBe('2030-07-01');
    expect(localDate('2030-07-01T02:00:00+08:00', 'America/New_York')).toBe('2030-06-30');
    expect(localDate('2026-03-29T00:30:00Z', 'Europe/Berlin')).toBe('2026-03-29');
    expect(() => localDate('yesterday', 'Asia/Shanghai')).toThrow(RangeError);
  });
});
