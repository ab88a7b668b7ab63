import fc from 'fast-check';
import { addBusinessDuration, businessDurationBetween, nextWorkingInstant, type SlaCalendar } from './calendar';
import { BERLIN_WORKSHOP, NEW_YORK_SHIFTS, ROUND_THE_CLOCK, SHANGHAI_OFFICE } from './testing/calendars';

const calendars: [string, SlaCalendar][] = [
  ['24x7', ROUND_THE_CLOCK],
  ['Asia/Shanghai office hours', SHANGHAI_OFFICE],
  ['Europe/Berlin with DST', BERLIN_WORKSHOP],
  ['America/New_York split shifts with DST', NEW_YORK_SHIFTS],
];

// Instants from 2020 to 2032, so every DST change of those years is within reach.
const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2032, 0, 1) }).map((ms) => new Date(ms).toISOString());
const duration = fc.oneof(fc.integer({ min: 0, max: 4 * 3_600_000 }), fc.integer({ min: 0, max: 90 * 86_400_000 }));

describe.each(calendars)('business time on %s', (_name, calendar) => {
  it('given a duration added to an instant, when the time between them is measured, then it is that duration', () => {
    fc.assert(
      fc.property(instant, duration, (from, ms) => {
        expect(businessDurationBetween(calendar, from, addBusinessDuration(calendar, from, ms))).toBe(ms);
      }),
    );
  });

  it('adds up: the time from a to c is the time from a to b plus from b to c', () => {
    fc.assert(
      fc.property(fc.array(instant, { minLength: 3, maxLength: 3 }), (three) => {
        const [a, b, c] = [...three].sort();
        expect(businessDurationBetween(calendar, a!, c!)).toBe(
          businessDurationBetween(calendar, a!, b!) + businessDurationBetween(calendar, b!, c!),
        );
      }),
    );
  });

  it('moves forward: a longer duration is never due earlier, and the next working instant is working time', () => {
    fc.assert(
      fc.property(instant, duration, duration, (from, d1, d2) => {
        const [short, long] = d1 <= d2 ? [d1, d2] : [d2, d1];
        expect(addBusinessDuration(calendar, from, short) <= addBusinessDuration(calendar, from, long)).toBe(true);
        const next = nextWorkingInstant(calendar, from);
        expect(next >= from).toBe(true);
        expect(businessDurationBetween(calendar, next, new Date(Date.parse(next) + 1).toISOString())).toBe(1);
        expect(businessDurationBetween(calendar, from, next)).toBe(0);
      }),
    );
  });
});
