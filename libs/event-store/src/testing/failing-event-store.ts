import { EventStoreUnavailable } from '../errors';
import type { EventStore } from '../event-store.port';

/**
 * A decorator of the port for fault tests: while `failing` is set, every call fails as an
 * unreachable store does (EventStoreUnavailable) and reaches nothing underneath.
 */
export class FailingEventStore implements EventStore {
  failing = false;

  constructor(private readonly inner: EventStore) {}

  private guard(): void {
    if (this.failing) throw new EventStoreUnavailable('the event store is unavailable (injected fault)');
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

  subscribeToAll: EventStore['subscribeToAll'] = (...args) => this.inner.subscribeToAll(...args);

  headPosition: EventStore['headPosition'] = async () => {
    this.guard();
    return this.inner.headPosition();
  };

  checkHealth: EventStore['checkHealth'] = async () => {
    this.guard();
    return this.inner.checkHealth();
  };

  close: EventStore['close'] = () => this.inner.close();
}
