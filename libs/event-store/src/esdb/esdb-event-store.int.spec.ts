import type { EventStore } from '../event-store.port';
import { testEventStore } from '../testing/event-store.contract';
import { EsdbEventStore } from './esdb-event-store';
import { startEventStoreDb, type EventStoreDbServer } from '../testing/esdb-test-server';

/*
 * The EventStoreDB run of the contract: against EVENTSTORE_TEST_URL when set, or a container
 * started by testcontainers when a Docker engine answers; otherwise skipped, with the reason.
 */
const server: EventStoreDbServer = await startEventStoreDb();

if (server.kind === 'unavailable') {
  process.stderr.write(`EventStoreDB contract suite skipped: ${server.reason}\n`);
  describe('EventStoreDB: the event store contract', () => {
    it.skip(`skipped: ${server.reason}`, () => undefined);
  });
} else {
  afterAll(() => server.stop());
  const connect = async (): Promise<EventStore> => EsdbEventStore.connect(server.url, { timeoutMs: 10_000 });
  testEventStore('EventStoreDB', { create: connect, connectAgain: connect });
}
