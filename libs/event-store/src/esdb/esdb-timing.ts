/** A read as the client hands it over: a Node stream of resolved events. */
export type ClientRead<T> = AsyncIterable<T> & { destroy(error?: Error): unknown; cancel(): Promise<void> };

/** Fires when a wait for the server lasts `ms`; one timer per `ms`, however many events arrive. */
export class Watchdog {
  private since: number | undefined = Date.now();
  private timer: NodeJS.Timeout;

  constructor(
    private readonly ms: number,
    private readonly fire: () => void,
  ) {
    this.timer = this.arm(ms);
  }

  waiting(): void {
    this.since = Date.now();
  }

  idle(): void {
    this.since = undefined;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private arm(delay: number): NodeJS.Timeout {
    return setTimeout(() => {
      const waited = this.since === undefined ? 0 : Date.now() - this.since;
      if (waited >= this.ms) this.fire();
      else this.timer = this.arm(this.ms - waited);
    }, delay);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
