/**
 * ISO 8601 durations as SLA targets use them: `PnD`, `PTnHnMnS` or both (`P1DT2H`), whole
 * numbers except a fraction on the seconds. A day is 24 hours of the calendar's working time
 * (business time), never a calendar day; years, months and weeks are refused as ambiguous.
 */
export type IsoDuration = string;

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

/** Durations already read: a policy's few targets are read again for every ticket. */
const parsed = new Map<string, number | undefined>();
const MAX_REMEMBERED = 1000;

/** Milliseconds of `text`, or undefined when it is not such a duration. */
export function parseIsoDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (parsed.has(text)) return parsed.get(text);
  const ms = parseText(text);
  if (parsed.size >= MAX_REMEMBERED) parsed.clear();
  parsed.set(text, ms);
  return ms;
}

function parseText(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match as unknown as string[];
  return (
    Number(days) * 86_400_000 + Number(hours) * 3_600_000 + Number(minutes) * 60_000 + Math.round(Number(seconds) * 1000)
  );
}

/** A short reading of a duration for explanations: `1h 5m`, `30m`, `12.5s`, `0s`. */
export function describeDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest / 1000}s`);
  return sign + parts.join(' ');
}
