import { EventStoreUnavailable } from '../errors';
import type { EventStore, EventSubscription, RecordedEvent } from '../event-store.port';

/** What the next subscriptions opened on a `FailingEventStore` do. */
export interface SubscriptionFault {
  /** Events each faulty subscription delivers before it fails; 0 fails its first read. */
  readonly afterEvents?: number;
  /** How many of the next subscriptions fail this way; 1 unless told. */
  readonly count?: number;
}

/**
 * A decorator of the port for fault tests: while `failing` is set, every call fails as an
 * unreachable store does (EventStoreUnavailable) and reaches nothing underneath. Subscriptions
 * are not touched by `failing`; they fail when told to: `failSubscriptions` for the next ones
 * opened (after some events, or at their first read), `dropSubscriptions` for those open now, as
 * a server that drops its subscribers (a restart, a leader change, "consumer too slow") does.
 */
export class FailingEventStore implements EventStore {
  failing = false;
  /** How many subscriptions have been opened through this store. */
  subscriptionsOpened = 0;
  private readonly faults: number[] = [];
  private readonly open = new Set<(error: Error) => void>();

  constructor(private readonly inner: EventStore) {}

  private guard(): void {
    if (this.failing) throw new EventStoreUnavailable('the event store is unavailable (injected fault)');
  }

  /** The next `count` subscriptions opened deliver `afterEvents` events, then fail. */
  failSubscriptions({ afterEvents = 0, count = 1 }: SubscriptionFault = {}): void {
    for (let i = 0; i < count; i++) this.faults.push(afterEvents);
  }

  /** Every subscription open now fails at once, whether it is waiting for an event or not. */
  dropSubscriptions(): void {
    for (const drop of [...this.open]) drop(new EventStoreUnavailable('the subscription was dropped (injected fault)'));
  }

  append: EventStore['append'] = async (...args) => {
    this.guard();
    return this.inner.append(...args);
  };

  readStream: EventStore['readStream'] = (...args) => {
    this.guard();
    return this.inner.readStream(...args);
  };

  readAll: EventStore['readAll'] = (...args) => {
    this.guard();
    return this.inner.readAll(...args);
  };

  subscribeToAll: EventStore['subscribeToAll'] = (...args) => {
    this.subscriptionsOpened += 1;
    return this.faulty(this.inner.subscribeToAll(...args), this.faults.shift());
  };

  headPosition: EventStore['headPosition'] = async () => {
    this.guard();
    return this.inner.headPosition();
  };

  checkHealth: EventStore['checkHealth'] = async () => {
    this.guard();
    return this.inner.checkHealth();
  };

  close: EventStore['close'] = () => this.inner.close();

  /** `inner`, failing after `afterEvents` events when given, or when dropped. */
  private faulty(inner: EventSubscription, afterEvents: number | undefined): EventSubscription {
    let dropped: Error | undefined;
    let wake: ((error: Error) => void) | undefined;
    const drop = (error: Error) => {
      dropped ??= error;
      wake?.(error);
    };
    this.open.add(drop);
    const close = async () => {
      this.open.delete(drop);
      await inner.close();
    };
    const source = inner[Symbol.asyncIterator]();
    let delivered = 0;
    const iterator: AsyncIterator<RecordedEvent> = {
      next: async () => {
        if (afterEvents !== undefined && delivered >= afterEvents) drop(new EventStoreUnavailable(`the subscription failed after ${afterEvents} events (injected fault)`));
        if (dropped) {
          await close();
          throw dropped;
        }
        const failed = new Promise<never>((_, reject) => (wake = reject));
        failed.catch(() => undefined);
        try {
          const result = await Promise.race([source.next(), failed]);
          if (!result.done) delivered += 1;
          return result;
        } catch (error) {
          await close();
          throw error;
        } finally {
          wake = undefined;
        }
      },
      return: async () => {
        await close();
        return { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => iterator, close };
  }
}
