/**
 * Business time: when a thing happened in the world, as an ISO 8601 UTC string with
 * milliseconds (`2026-11-25T10:00:00.000Z`). Commands may bring it in any ISO 8601 date-time
 * with an explicit offset; it is stored in that one canonical form so that strings compare
 * in time order and replays print the same text.
 */
export type IsoInstant = string;

/** How far a command's `at` may run ahead of the server's `now` (clock skew between callers). */
export const MAX_CLOCK_SKEW_MS = 5_000;

// Date and time with a mandatory offset; seconds and fraction optional. Date-only values and
// local times without an offset are refused: they do not name one instant.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds since the epoch, or undefined when `text` is not an ISO 8601 instant. */
export function parseInstant(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (text.length === CANONICAL_LENGTH) {
    const ms = parseCanonical(text);
    if (ms !== undefined) return ms;
  }
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '0', offset] = match as unknown as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMinutes = parseOffset(offset!);
  if (offsetMinutes === undefined) return undefined;
  const millisecond = Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime() - offsetMinutes * 60_000;
}

const CANONICAL_LENGTH = '2026-11-25T10:00:00.000Z'.length;

/**
 * The canonical form (`2026-11-25T10:00:00.000Z`, what is stored) read without the pattern;
 * undefined when `text` is not in it, and parseInstant then reads it as any other form. Years
 * below 100 are left to that too (Date.UTC would read them as 19xx).
 */
function parseCanonical(text: string): number | undefined {
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':' || text[19] !== '.' || text[23] !== 'Z') return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const millisecond = digits(text, 20, 3);
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millisecond < 0) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
}

/** The number written by `length` decimal digits at `from`, or -1 when one is not a digit. */
function digits(text: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** The canonical form of an ISO 8601 instant, or undefined when it is not one. */
export function normalizeInstant(text: unknown): IsoInstant | undefined {
  const ms = parseInstant(text);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function parseOffset(offset: string): number | undefined {
  if (offset.toUpperCase() === 'Z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return undefined;
  return (offset.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
