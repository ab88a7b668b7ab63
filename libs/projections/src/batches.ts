import { followsPages, type EventStore, type Position, type RecordedEvent } from '@app/event-store';

/** The log after a position as batches, and how to stop following it. */
export interface BatchSubscription {
  readonly batches: AsyncIterable<readonly RecordedEvent[]>;
  close(): Promise<void>;
}

/**
 * Follows the log after `position` in batches of at most `maxSize` events. A store that follows
 * the log in pages (SQLite) hands over each commit as one batch, its events shared with the other
 * subscribers of the process; for any other store the batches are gathered from its subscription.
 */
export function followInBatches(store: EventStore, position: Position | undefined, maxSize: number): BatchSubscription {
  if (followsPages(store)) {
    const pages = store.followPagesAfter(position, maxSize);
    return { batches: pages, close: () => pages.close() };
  }
  const subscription = store.subscribeToAll({ fromPosition: position });
  return { batches: batches(subscription, maxSize), close: () => subscription.close() };
}

/**
 * Groups what an async iterator has ready into arrays of at most `maxSize`: a batch closes when
 * it is full or when the next item is not ready yet, so a burst becomes one transaction and a
 * quiet log still gets each event applied at once.
 *
 * "Ready" is judged without racing promises against timers: a race per item leaves one timer
 * per item that only runs when the event loop turns, and a catch-up that reads pages in memory
 * never lets it turn, so every item would stay referenced until the catch-up ends. Here the
 * next item is given a few microtask turns to arrive, then one turn of the event loop (awaited,
 * so nothing piles up), and the batch closes if it still has not.
 */
export async function* batches<T>(source: AsyncIterable<T>, maxSize: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let settled: IteratorResult<T> | undefined;
  let pending!: Promise<IteratorResult<T>>;
  const request = () => {
    settled = undefined;
    pending = iterator.next();
    pending.then(
      (result) => (settled = result),
      () => undefined,
    );
  };
  try {
    request();
    while (true) {
      const first = await pending;
      if (first.done) return;
      const batch = [first.value];
      request();
      while (batch.length < maxSize) {
        for (let turn = 0; turn < 8 && settled === undefined; turn++) await undefined;
        if (settled === undefined) await new Promise((resolve) => setImmediate(resolve));
        if (settled === undefined) break;
        const next: IteratorResult<T> = settled;
        if (next.done) {
          yield batch;
          return;
        }
        batch.push(next.value);
        request();
      }
      yield batch;
    }
  } finally {
    await iterator.return?.();
  }
}
