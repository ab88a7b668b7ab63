import { GenericContainer, Wait, getContainerRuntimeClient } from 'testcontainers';

export type EventStoreDbServer =
  | { kind: 'running'; url: string; stop(): Promise<void> }
  | { kind: 'unavailable'; reason: string };

const IMAGE = 'eventstore/eventstore:24.10';

/** An EventStoreDB for tests: EVENTSTORE_TEST_URL, else a throwaway container, else the reason why not. */
export async function startEventStoreDb(): Promise<EventStoreDbServer> {
  const url = process.env.EVENTSTORE_TEST_URL;
  if (url) return { kind: 'running', url, stop: async () => undefined };
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    return { kind: 'unavailable', reason: `no Docker engine answers (${(error as Error).message}) and EVENTSTORE_TEST_URL is not set` };
  }
  const container = await new GenericContainer(IMAGE)
    .withEnvironment({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_CLUSTER_SIZE: '1',
      EVENTSTORE_MEM_DB: 'true',
      EVENTSTORE_RUN_PROJECTIONS: 'None',
      // The contract writes a 1 MiB event; the server's default append limit is 1 MiB in all.
      EVENTSTORE_MAX_APPEND_SIZE: String(8 * 1024 * 1024),
    })
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
    .withStartupTimeout(120_000)
    .start();
  return {
    kind: 'running',
    url: `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`,
    stop: async () => {
      await container.stop();
    },
  };
}
