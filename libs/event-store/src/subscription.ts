import type { RecordedEvent } from './event-store.port';

/**
 * Wraps a subscription's generator so that both `close()` and an iterator's `return()` (a `break`
 * out of `for await`) stop it: the generator may be waiting for new events, and a plain
 * `return()` would queue behind that wait forever.
 */
export function stoppable<T = RecordedEvent>(generator: AsyncGenerator<T>, stop: () => void): AsyncIterable<T> & { close(): Promise<void> } {
  const close = async () => {
    stop();
    await generator.return(undefined);
  };
  const iterator: AsyncIterableIterator<T> = {
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
