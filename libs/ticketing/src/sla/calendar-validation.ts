import { WEEKDAYS, type SlaCalendar, type Weekday, type WorkingPeriod } from './calendar';
import { isRecord, show } from './json-value';
import { isTimeZone } from './zoned-time';

type Fail = (field: string, problem: string) => void;

const WALL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A policy's calendar: `{kind: '24x7'}` or business hours. A weekday left out of `week` has no
 * working time (the shipped file lists Monday to Friday only); the result lists all seven.
 */
export function parseCalendar(raw: unknown, fail: Fail): SlaCalendar | undefined {
  if (!isRecord(raw)) {
    fail('calendar', `${show(raw)} must be an object such as {"kind": "24x7"}`);
    return undefined;
  }
  switch (raw['kind']) {
    case '24x7':
      return { kind: '24x7' };
    case 'business-hours':
      return parseBusinessHours(raw, fail);
    default:
      fail('calendar.kind', `${show(raw['kind'])} must be "24x7" or "business-hours"`);
      return undefined;
  }
}

function parseBusinessHours(raw: Record<string, unknown>, fail: Fail): SlaCalendar | undefined {
  let ok = true;
  const problem: Fail = (field, text) => {
    ok = false;
    fail(field, text);
  };
  const timeZone = raw['timeZone'];
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) {
    problem('calendar.timeZone', `${show(timeZone)} is not an IANA time zone such as Asia/Shanghai`);
  }
  const week = parseWeek(raw['week'], problem);
  const holidays = raw['holidays'] ?? [];
  if (!Array.isArray(holidays)) {
    problem('calendar.holidays', `${show(holidays)} must be a list of dates YYYY-MM-DD`);
  } else {
    holidays.forEach((date: unknown, i) => {
      if (!isDate(date)) problem(`calendar.holidays[${i}]`, `${show(date)} is not a date YYYY-MM-DD`);
    });
  }
  if (!ok || !week) return undefined;
  return { kind: 'business-hours', timeZone: timeZone as string, week, holidays: holidays as string[] };
}

function parseWeek(raw: unknown, fail: Fail): Record<Weekday, WorkingPeriod[]> | undefined {
  if (!isRecord(raw)) {
    fail('calendar.week', `${show(raw)} must be an object of weekdays (mon..sun) to working periods`);
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!(WEEKDAYS as readonly string[]).includes(key)) fail(`calendar.week.${key}`, 'is not a weekday (mon..sun)');
  }
  const week = {} as Record<Weekday, WorkingPeriod[]>;
  for (const day of WEEKDAYS) week[day] = parseDay(raw[day] ?? [], `calendar.week.${day}`, fail);
  if (WEEKDAYS.every((day) => week[day].length === 0)) {
    fail('calendar.week', 'has no working period: a business-hours calendar needs at least one');
  }
  return week;
}

function parseDay(raw: unknown, path: string, fail: Fail): WorkingPeriod[] {
  if (!Array.isArray(raw)) {
    fail(path, `${show(raw)} must be a list of periods such as [["09:00", "12:00"], ["13:00", "18:00"]]`);
    return [];
  }
  const periods: WorkingPeriod[] = [];
  raw.forEach((period: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!Array.isArray(period) || period.length !== 2) {
      fail(at, `${show(period)} must be a pair ["HH:MM", "HH:MM"]`);
      return;
    }
    const [start, end] = period as unknown[];
    const startOk = typeof start === 'string' && WALL_TIME.test(start);
    const endOk = typeof end === 'string' && (WALL_TIME.test(end) || end === '24:00');
    if (!startOk) fail(`${at}[0]`, `${show(start)} is not a time HH:MM (00:00 to 23:59)`);
    if (!endOk) fail(`${at}[1]`, `${show(end)} is not a time HH:MM (00:01 to 24:00)`);
    if (!startOk || !endOk) return;
    if (start >= end) {
      fail(at, `start "${start}" must be before end "${end}"`);
      return;
    }
    const previous = periods[periods.length - 1];
    if (previous && start < previous[1]) {
      fail(at, `"${start}"-"${end}" must start at or after the end of the period before it ("${previous[1]}")`);
      return;
    }
    periods.push([start, end]);
  });
  return periods;
}

function isDate(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
