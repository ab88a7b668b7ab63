import { createServer, type Server, type Socket } from 'node:net';
import { EventStoreUnavailable } from '../errors';
import { EsdbEventStore } from './esdb-event-store';

/** No EventStoreDB is needed here: these check how the adapter fails when none answers. */
describe('EventStoreDB adapter without a server', () => {
  it('reports a closed port as unavailable', async () => {
    const store = EsdbEventStore.connect('esdb://127.0.0.1:1?tls=false', { timeoutMs: 5_000 });
    await expect(store.append('ticket-1', [{ type: 'A', data: {} }])).rejects.toBeInstanceOf(EventStoreUnavailable);
    await store.close();
  });

  it('cuts off a server that accepts and never answers, at its own timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const store = EsdbEventStore.connect(`esdb://127.0.0.1:${port}?tls=false`, { timeoutMs: 300 });
    try {
      await expect(store.append('ticket-1', [{ type: 'A', data: {} }])).rejects.toThrow(/did not answer within 300 ms/);
      await expect(store.checkHealth()).rejects.toBeInstanceOf(EventStoreUnavailable);
    } finally {
      for (const socket of sockets) socket.destroy();
      await store.close().catch(() => undefined);
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
