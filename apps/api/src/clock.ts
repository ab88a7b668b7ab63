/** The server's clock, injected so that the composition root is the only place that reads time. */
export interface Clock {
  /** Now, as an ISO 8601 UTC instant. */
  now(): string;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date().toISOString() };

/**
 * The clock a configuration asks for: the system clock, or (CLOCK_NOW, tests and demos only) one
 * that reads `start` when it is made and runs on from there at the system clock's pace.
 */
export function clockFor(start: string | undefined, systemNow: () => number = Date.now): Clock {
  if (start === undefined) return systemClock;
  const offsetMs = Date.parse(start) - systemNow();
  return { now: () => new Date(systemNow() + offsetMs).toISOString() };
}
