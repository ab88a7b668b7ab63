import type { EventSubscription, RecordedEvent } from './event-store.port';

/**
 * Wraps a subscription's generator so that both `close()` and an iterator's `return()` (a `break`
 * out of `for await`) stop it: the generator may be waiting for new events, and a plain
 * `return()` would queue behind that wait forever.
 */
export function stoppable(generator: AsyncGenerator<RecordedEvent>, stop: () => void): EventSubscription {
  const close = async () => {
    stop();
    await generator.return(undefined);
  };
  const iterator: AsyncIterableIterator<RecordedEvent> = {
    next: () => generator.next(),
    return: async () => {
      await close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { [Symbol.asyncIterator]: () => iterator, close };
}
