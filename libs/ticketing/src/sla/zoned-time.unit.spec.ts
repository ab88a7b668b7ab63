import { offsetAt } from './zoned-time';

/** The offset as Intl gives it for the instant, straight from the formatted wall time. */
function intlOffset(timeZone: string, utcMs: number): number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const fields: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(utcMs))) if (part.type !== 'literal') fields[part.type] = Number(part.value);
  const wall = Date.UTC(fields['year']!, fields['month']! - 1, fields['day']!, fields['hour']!, fields['minute']!, fields['second']!);
  return wall - Math.floor(utcMs / 1000) * 1000;
}

describe('offsetAt', () => {
  // Berlin: +1 h to +2 h at 01:00Z on 2026-03-29, back at 01:00Z on 2026-10-25. Lord Howe moves by
  // half an hour; Kathmandu is +5:45 all year; Shanghai has no DST.
  const days: Array<[string, string]> = [
    ['Europe/Berlin', '2026-03-28'],
    ['Europe/Berlin', '2026-03-29'],
    ['Europe/Berlin', '2026-10-25'],
    ['Europe/Berlin', '2026-07-01'],
    ['Australia/Lord_Howe', '2026-04-04'],
    ['Australia/Lord_Howe', '2026-10-03'],
    ['Asia/Kathmandu', '2026-11-25'],
    ['Asia/Shanghai', '2026-11-25'],
  ];

  it.each(days)('in %s on the UTC day %s, gives Intl\'s offset at every minute, whichever instant was asked first', (zone, day) => {
    const start = Date.parse(`${day}T00:00:00.000Z`);
    // Late instants first, so the day's answer is made from an instant after any change in it.
    for (let minute = 24 * 60 - 1; minute >= 0; minute -= 7) {
      const at = start + minute * 60_000 + 13_500;
      expect(offsetAt(zone, at)).toBe(intlOffset(zone, at));
    }
    for (let minute = 0; minute < 24 * 60; minute++) {
      const at = start + minute * 60_000;
      expect(offsetAt(zone, at)).toBe(intlOffset(zone, at));
    }
  });

  it('changes within the UTC day of a transition, at the transition', () => {
    const change = Date.parse('2026-03-29T01:00:00.000Z');
    expect(offsetAt('Europe/Berlin', change - 1)).toBe(3_600_000);
    expect(offsetAt('Europe/Berlin', change)).toBe(7_200_000);
  });
});
