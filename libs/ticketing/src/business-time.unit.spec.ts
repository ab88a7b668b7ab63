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

  it('reads the canonical form as the same instant written with an offset (the pattern\'s reading)', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const from = Date.UTC(100, 0, 1);
    const to = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(from + random() * (to - from));
      const text = new Date(ms).toISOString();
      expect(parseInstant(text)).toBe(ms);
      expect(parseInstant(text.replace('Z', '+00:00'))).toBe(ms);
      expect(parseInstant(text.replace('T', 't').replace('Z', 'z'))).toBe(ms);
    }
    for (const text of ['2025-02-29T00:00:00.000Z', '2024-02-30T00:00:00.000Z', '2025-04-31T00:00:00.000Z', '2025-13-01T00:00:00.000Z', '2025-00-01T00:00:00.000Z',
      '2025-01-00T00:00:00.000Z', '2025-01-01T24:00:00.000Z', '2025-01-01T00:60:00.000Z', '2025-01-01T00:00:60.000Z', '2025-01-01T-1:00:00.000Z',
      '2025-01-01T00:00:00.00xZ', '2025-01-01 00:00:00.000Z', '2025-01-01T00:00:00,000Z', '+025-01-01T00:00:00.000Z']) {
      expect(parseInstant(text)).toBeUndefined();
    }
    expect(parseInstant('2024-02-29T23:59:59.999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(parseInstant('0099-12-31T23:59:59.999Z')).toBe(parseInstant('0099-12-31T23:59:59.999+00:00'));
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
