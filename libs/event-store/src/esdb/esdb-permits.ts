/** No permit came free in time: the call was never sent. */
export class NoPermitInTime extends Error {}

/**
 * A counting semaphore for the calls one client has open at once. EventStoreDB refuses a
 * connection's streams past its limit (100 by default) and the client queues the rest without
 * telling anyone; below the limit, a burst waits here, in order, and a wait longer than the
 * call's own timeout fails as "never sent".
 */
export class Permits {
  private free: number;
  private readonly waiting: Array<{ grant: () => void; timer: NodeJS.Timeout }> = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  get inUse(): number {
    return this.size - this.free;
  }

  /** Resolves with the permit's release once one is free; rejects with `NoPermitInTime` after `timeoutMs`. */
  acquire(timeoutMs: number): Promise<() => void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          resolve(this.releaser());
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(new NoPermitInTime(`all ${this.size} calls to EventStoreDB stayed busy for ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.free += 1;
    };
  }
}
