/**
 * Wall-clock arithmetic in an IANA time zone, from Intl alone. A local date is a "day number":
 * whole days since 1970-01-01 on the zone's calendar, so a wall time of that day is
 * `day * DAY_MS + minutes * 60_000` read as if it were UTC ("wall ms").
 */
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether Intl knows `timeZone` as an IANA zone name. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at the instant `utcMs`, in ms (local wall time minus UTC). */
export function offsetAt(timeZone: string, utcMs: number): number {
  // Most UTC days have one offset all day: the same at their start and at the next day's start
  // (no zone in use changes twice within a day and back). Those are answered per day; a day with
  // a transition is answered per quarter hour.
  const day = Math.floor(utcMs / DAY_MS);
  let days = dayOffsets.get(timeZone);
  if (!days || days.size > MAX_CACHED_DAYS) {
    days = new Map();
    dayOffsets.set(timeZone, days);
  }
  let whole = days.get(day);
  if (whole === undefined) {
    const start = quarterHourOffset(timeZone, day * DAY_MS);
    whole = start === quarterHourOffset(timeZone, (day + 1) * DAY_MS) ? start : null;
    days.set(day, whole);
  }
  return whole ?? quarterHourOffset(timeZone, utcMs);
}

/** UTC day number -> the offset of the whole day, or null when the offset changes within it. */
const dayOffsets = new Map<string, Map<number, number | null>>();

function quarterHourOffset(timeZone: string, utcMs: number): number {
  // Zones change offset only at whole quarter hours of UTC (every transition in use today does),
  // so one Intl call per zone and quarter hour answers every instant in it.
  const bucket = Math.floor(utcMs / QUARTER_HOUR_MS);
  let offsets = quarterHourOffsets.get(timeZone);
  if (!offsets || offsets.size > MAX_CACHED_QUARTERS) {
    offsets = new Map();
    quarterHourOffsets.set(timeZone, offsets);
  }
  let offset = offsets.get(bucket);
  if (offset === undefined) {
    offset = offsetFromIntl(timeZone, bucket * QUARTER_HOUR_MS);
    offsets.set(bucket, offset);
  }
  return offset;
}

const QUARTER_HOUR_MS = 15 * 60_000;
const MAX_CACHED_QUARTERS = 200_000;
const quarterHourOffsets = new Map<string, Map<number, number>>();

function offsetFromIntl(timeZone: string, utcMs: number): number {
  const fields: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const wall = new Date(0);
  wall.setUTCFullYear(fields['year']!, fields['month']! - 1, fields['day']!);
  wall.setUTCHours(fields['hour']!, fields['minute']!, fields['second']!, 0);
  const wholeSeconds = utcMs - (((utcMs % 1000) + 1000) % 1000);
  return wall.getTime() - wholeSeconds;
}

const MAX_CACHED_DAYS = 100_000;

/** The offset at 00:00 UTC of a day: day-by-day walks over years ask for it again and again. */
function offsetAtMidnightUtc(timeZone: string, day: number): number {
  return offsetAt(timeZone, day * DAY_MS);
}

/** The local date (day number) of the instant `utcMs` in the zone. */
export function localDayOf(timeZone: string, utcMs: number): number {
  return Math.floor((utcMs + offsetAt(timeZone, utcMs)) / DAY_MS);
}

/**
 * The instant of a wall time. Around a DST change, as Temporal's "compatible" choice: a wall time
 * that happens twice takes the earlier instant, one that does not happen (the spring gap) is
 * read with the offset before the change and so lands just after the gap. This assumes at most
 * one offset change within a day either side, which holds for every real zone.
 */
export function instantOfWallTime(timeZone: string, wallMs: number): number {
  const before = offsetAt(timeZone, wallMs - DAY_MS);
  const after = offsetAt(timeZone, wallMs + DAY_MS);
  if (before === after) return wallMs - before;
  const early = wallMs - before;
  const late = wallMs - after;
  const earlyValid = offsetAt(timeZone, early) === before;
  const lateValid = offsetAt(timeZone, late) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (lateValid) return late;
  return early;
}

/**
 * The instants of several wall times on one local day. The common case (no offset change near
 * that day) costs two Intl calls for the whole day instead of several per wall time.
 */
export function instantsOfDay(timeZone: string, day: number, minutesOfDay: readonly number[]): number[] {
  const before = offsetAtMidnightUtc(timeZone, day - 1);
  const after = offsetAtMidnightUtc(timeZone, day + 2);
  return minutesOfDay.map((minutes) => {
    const wallMs = day * DAY_MS + minutes * 60_000;
    return before === after ? wallMs - before : instantOfWallTime(timeZone, wallMs);
  });
}

/** The weekday of a day number: 0 Monday .. 6 Sunday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}
