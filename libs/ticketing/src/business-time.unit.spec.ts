import { normalizeInstant, parseInstant } from './business-time';

describe('business time', () => {
  it('normalises any ISO 8601 instant with an offset to UTC with milliseconds', () => {
    expect(normalizeInstant('2026-11-25T10:00:00.000Z')).toBe('2026-11-25T10:00:00.000Z');
    expect(normalizeInstant('2026-11-25T10:00Z')).toBe('2026-11-25T10:00:00.000Z');
    expect(normalizeInstant('2026-11-25T18:00:00+08:00')).toBe('2026-11-25T10:00:00.000Z');
    expect(normalizeInstant('2026-11-25T05:30:00-0430')).toBe('2026-11-25T10:00:00.000Z');
    expect(normalizeInstant('2026-11-25t10:00:00.1234567z')).toBe('2026-11-25T10:00:00.123Z');
    expect(normalizeInstant('2026-11-25T00:30:00+01:00')).toBe('2026-11-24T23:30:00.000Z');
    expect(normalizeInstant('2028-02-29T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('keeps years below 100 as written rather than shifting them to the 1900s', () => {
    expect(normalizeInstant('0050-01-01T00:00:00Z')).toBe('0050-01-01T00:00:00.000Z');
  });

  it('refuses text that does not name one instant', () => {
    const refused = [
      '',
      'yesterday',
      '2026-11-25',
      '2026-11-25T10:00:00',
      '2026-11-25 10:00:00Z',
      'Wed Nov 25 2026 10:00:00 GMT+0000',
      '2026-13-01T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-11-25T24:00:00Z',
      '2026-11-25T10:60:00Z',
      '2026-11-25T10:00:60Z',
      '2026-11-25T10:00:00+24:00',
      '1764064800000',
    ];
    for (const text of refused) expect(normalizeInstant(text)).toBeUndefined();
    expect(parseInstant(1764064800000)).toBeUndefined();
    expect(parseInstant(undefined)).toBeUndefined();
  });
});
