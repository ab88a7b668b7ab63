import { parseInstant } from '../business-time';
import { localDayOf } from '../sla/zoned-time';

/**
 * A calendar date `YYYY-MM-DD`: a day on the asset's local calendar, no time of day, no zone.
 * Arithmetic works on day numbers (days since 1970-01-01, proleptic Gregorian), never on a clock
 * or a local Date, so the same input gives the same date on every machine.
 */
export type CalendarDate = string;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

type Civil = { year: number; month: number; day: number };

function civilOf(date: CalendarDate): Civil | undefined {
  const match = DATE.exec(date);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function isCalendarDate(value: unknown): value is CalendarDate {
  return typeof value === 'string' && civilOf(value) !== undefined;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 (H. Hinnant's days_from_civil). */
export function dayNumber(date: CalendarDate): number {
  const civil = civilOf(date);
  if (!civil) throw new RangeError(`not a calendar date: ${date}`);
  const y = civil.month <= 2 ? civil.year - 1 : civil.year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (civil.month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + civil.day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The date of a day number (civil_from_days). */
export function dateOfDay(day: number): CalendarDate {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return format(y, m, d);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return dateOfDay(dayNumber(date) + days);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return dayNumber(to) - dayNumber(from);
}

/**
 * The last day of a period of `months` that begins on `start` (years are 12 months): the day
 * before the same day of the month `months` later; when that month has no such day (a start on
 * the 29th-31st), the last day of that month, so a period never loses days.
 * 2025-07-01 + 60 -> 2030-06-30; 2025-01-31 + 1 -> 2025-02-28; 2025-03-01 + 1 -> 2025-03-31;
 * 2024-02-29 + 12 -> 2025-02-28.
 */
export function periodEnd(start: CalendarDate, months: number): CalendarDate {
  const civil = civilOf(start);
  if (!civil) throw new RangeError(`not a calendar date: ${start}`);
  const index = civil.year * 12 + (civil.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const last = daysInMonth(year, month);
  return civil.day > last ? format(year, month, last) : addDays(format(year, month, civil.day), -1);
}

/** The local date of an instant (ms since the epoch) in an IANA time zone, from Intl. */
export function localDateOfMs(ms: number, timeZone: string): CalendarDate {
  return dateOfDay(localDayOf(timeZone, ms));
}

/**
 * The local date of an ISO 8601 instant in an IANA time zone: 2030-06-30T20:00:00Z in
 * Asia/Shanghai is 2030-07-01. Throws RangeError for an unparsable instant or an unknown zone
 * (callers validate both first).
 */
export function localDate(instantIso: string, timeZone: string): CalendarDate {
  const ms = parseInstant(instantIso);
  if (ms === undefined) throw new RangeError(`not an instant: ${instantIso}`);
  return localDateOfMs(ms, timeZone);
}

function format(year: number, month: number, day: number): CalendarDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
