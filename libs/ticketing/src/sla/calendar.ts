import { parseInstant, type IsoInstant } from '../business-time';
import { DAY_MS, instantsOfDay, localDayOf, weekdayOf } from './zoned-time';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A working period of a day, local wall times `HH:MM`; the end may be `24:00`. */
export type WorkingPeriod = readonly [start: string, end: string];

export type RoundTheClockCalendar = Readonly<{ kind: '24x7' }>;

/**
 * Working periods per weekday in one time zone (split shifts and lunch breaks are several
 * periods), and holidays: whole local days without work.
 */
export type BusinessHoursCalendar = Readonly<{
  kind: 'business-hours';
  timeZone: string;
  week: Readonly<Record<Weekday, readonly WorkingPeriod[]>>;
  holidays: readonly string[];
}>;

export type SlaCalendar = RoundTheClockCalendar | BusinessHoursCalendar;

/** Interval of working time in UTC ms, start inclusive, end exclusive. */
type Interval = readonly [number, number];

// A calendar without any working time would make addBusinessDuration search forever; the
// parser refuses one, and this stops a hand-built one after ten years of idle days.
const MAX_IDLE_DAYS = 3_660;

/** Milliseconds of working time in [from, to); 0 when `to` is not after `from`. */
export function businessDurationBetween(calendar: SlaCalendar, fromIso: IsoInstant, toIso: IsoInstant): number {
  return workingMsBetween(calendar, instant(fromIso), instant(toIso));
}

/**
 * The last instant at which exactly `ms` of working time have passed since `from`. For a 24x7
 * calendar that is plain addition. In business hours, a duration that runs out exactly at the end
 * of a working period is due at the start of the next one (nothing more is used up in between):
 * Friday 17:30 plus 30 minutes on 09:00-18:00 days is Monday 09:00. So adding 0 gives the next
 * working instant: `from` itself when `from` is working time.
 */
export function addBusinessDuration(calendar: SlaCalendar, fromIso: IsoInstant, ms: number): IsoInstant {
  return new Date(addWorkingMs(calendar, instant(fromIso), ms)).toISOString();
}

/** `iso` when it is working time, otherwise the start of the next working period. */
export function nextWorkingInstant(calendar: SlaCalendar, iso: IsoInstant): IsoInstant {
  return addBusinessDuration(calendar, iso, 0);
}

export function workingMsBetween(calendar: SlaCalendar, fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  switch (calendar.kind) {
    case '24x7':
      return toMs - fromMs;
    case 'business-hours': {
      let total = 0;
      const lastDay = localDayOf(calendar.timeZone, toMs);
      for (let day = localDayOf(calendar.timeZone, fromMs); day <= lastDay; day += 1) {
        for (const [start, end] of workingIntervals(calendar, day)) {
          total += Math.max(0, Math.min(end, toMs) - Math.max(start, fromMs));
        }
      }
      return total;
    }
    default: {
      const _never: never = calendar;
      return _never;
    }
  }
}

export function addWorkingMs(calendar: SlaCalendar, fromMs: number, ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot add ${ms} ms of working time`);
  switch (calendar.kind) {
    case '24x7':
      return fromMs + ms;
    case 'business-hours': {
      let remaining = ms;
      let idle = 0;
      for (let day = localDayOf(calendar.timeZone, fromMs); ; day += 1) {
        const intervals = workingIntervals(calendar, day);
        idle = intervals.length === 0 ? idle + 1 : 0;
        if (idle > MAX_IDLE_DAYS) throw new RangeError(`calendar ${calendar.timeZone} has no working time`);
        for (const [start, end] of intervals) {
          if (end <= fromMs) continue;
          const from = Math.max(start, fromMs);
          if (remaining < end - from) return from + remaining;
          remaining -= end - from;
        }
      }
    }
    default: {
      const _never: never = calendar;
      return _never;
    }
  }
}

/**
 * The working intervals of one local day, as real instants: on a DST-change day a period is as
 * long as the time that really passes (09:00-18:00 stays 9 h; 00:00-24:00 is 23 h or 25 h).
 */
function workingIntervals(calendar: BusinessHoursCalendar, day: number): Interval[] {
  const { holidays, minutes } = compiled(calendar);
  const wallTimes = minutes[weekdayOf(day)]!;
  if (wallTimes.length === 0 || holidays.has(day)) return [];
  const instants = instantsOfDay(calendar.timeZone, day, wallTimes);
  const intervals: Interval[] = [];
  for (let i = 0; i < instants.length; i += 2) {
    if (instants[i]! < instants[i + 1]!) intervals.push([instants[i]!, instants[i + 1]!]);
  }
  return intervals;
}

/** A calendar read once into day numbers and minutes of the day (walks over years repeat them). */
type CompiledCalendar = Readonly<{ holidays: ReadonlySet<number>; minutes: readonly (readonly number[])[] }>;

const compiledCalendars = new WeakMap<BusinessHoursCalendar, CompiledCalendar>();

function compiled(calendar: BusinessHoursCalendar): CompiledCalendar {
  let result = compiledCalendars.get(calendar);
  if (!result) {
    result = {
      holidays: new Set(calendar.holidays.map((date) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS))),
      minutes: WEEKDAYS.map((weekday) => calendar.week[weekday].flatMap(([start, end]) => [minutesOf(start), minutesOf(end)])),
    };
    compiledCalendars.set(calendar, result);
  }
  return result;
}

function minutesOf(wallTime: string): number {
  return Number(wallTime.slice(0, 2)) * 60 + Number(wallTime.slice(3, 5));
}

function instant(iso: IsoInstant): number {
  const ms = parseInstant(iso);
  if (ms === undefined) throw new RangeError(`${JSON.stringify(iso)} is not an ISO 8601 instant`);
  return ms;
}
