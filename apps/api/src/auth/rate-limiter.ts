/**
 * A token bucket per key: `perSecond` tokens a second, bursts up to one second's worth.
 * The clock is passed in so the arithmetic can be tested without waiting.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(private readonly perSecond: number) {}

  /** Takes a token for `key`; returns 0 when granted, else the seconds until one is free. */
  take(key: string, nowMs: number): number {
    if (this.perSecond <= 0) return 0;
    const bucket = this.buckets.get(key) ?? { tokens: this.perSecond, updatedAt: nowMs };
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((nowMs - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }
}
