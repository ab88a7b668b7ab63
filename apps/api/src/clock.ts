/** The server's clock, injected so that the composition root is the only place that reads time. */
export interface Clock {
  /** Now, as an ISO 8601 UTC instant. */
  now(): string;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date().toISOString() };
