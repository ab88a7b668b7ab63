import { clockFor, systemClock } from './clock';

describe('clockFor', () => {
  it('is the system clock without CLOCK_NOW', () => {
    expect(clockFor(undefined)).toBe(systemClock);
  });

  it('reads CLOCK_NOW when made and runs on at the pace of the system clock', () => {
    let system = Date.parse('2026-12-04T10:00:00.000Z');
    const clock = clockFor('2025-02-01T00:00:00.000Z', () => system);
    expect(clock.now()).toBe('2025-02-01T00:00:00.000Z');
    system += 90_000;
    expect(clock.now()).toBe('2025-02-01T00:01:30.000Z');
  });
});
