import { describeDuration, parseIsoDuration } from './iso-duration';

describe('ISO 8601 durations of SLA targets', () => {
  it('reads days as 24 h of business time, hours, minutes and seconds', () => {
    expect(parseIsoDuration('PT30M')).toBe(1_800_000);
    expect(parseIsoDuration('PT1H30M')).toBe(5_400_000);
    expect(parseIsoDuration('P1D')).toBe(86_400_000);
    expect(parseIsoDuration('P1DT2H')).toBe(93_600_000);
    expect(parseIsoDuration('PT0.5S')).toBe(500);
  });

  it('refuses everything else', () => {
    for (const text of ['', 'P', 'PT', 'P1DT', '30min', 'PT30m', 'P1M', 'P1Y', 'P1W', 'PT-1M', 'PT1.5M', ' PT1M', 30]) {
      expect(parseIsoDuration(text)).toBeUndefined();
    }
  });

  it('answers the same when asked again, for durations and refusals, past the number it remembers', () => {
    for (let round = 0; round < 3; round++) {
      for (let minutes = 1; minutes <= 1500; minutes++) expect(parseIsoDuration(`PT${minutes}M`)).toBe(minutes * 60_000);
      expect(parseIsoDuration('PT1H30M')).toBe(5_400_000);
      expect(parseIsoDuration('P1DT')).toBeUndefined();
      expect(parseIsoDuration('PT1.5M')).toBeUndefined();
    }
  });

  it('reads back shortly', () => {
    expect(describeDuration(5_400_000)).toBe('1h 30m');
    expect(describeDuration(0)).toBe('0s');
    expect(describeDuration(90_061_500)).toBe('1d 1h 1m 1.5s');
  });
});
