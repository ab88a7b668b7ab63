import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { distPresent } from '../support/built';
import { freePort, startAppProcess, tempDataDir, waitFor, type AppProcess } from '../support/app-process';
import { TEST_API_KEYS, TEST_KEYS } from '../support/http-client';

/**
 * Slow and idle clients at the edge, over raw sockets against the built server: a request whose
 * body stalls, headers that trickle in, a connection that says nothing, an idle kept-alive
 * connection, more connections than the cap, and SIGTERM while stalled requests hold their
 * connections. Each app runs with its timeouts shortened through the environment.
 */

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** A sleep that does not keep Jest waiting once the race it is in is decided. */
const timeout = (ms: number) => new Promise<void>((done) => setTimeout(done, ms).unref());

/** A raw client connection: what it received, and when the server closed it (ms after `since`). */
interface RawClient {
  readonly socket: Socket;
  received(): string;
  /** Resolves with the ms from the last write (or the connection) to the close. */
  readonly closed: Promise<number>;
}

async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let since = Date.now();
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  // A reset is a close too: the server may drop a connection without a FIN.
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - since)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const write = socket.write.bind(socket);
  socket.write = ((...args: Parameters<Socket['write']>) => {
    since = Date.now();
    return write(...args);
  }) as Socket['write'];
  since = Date.now();
  clients.push(socket);
  return { socket, received: () => received, closed };
}

type Closed = number | 'still open';
const closedWithin = (client: RawClient, ms: number): Promise<Closed> => Promise.race([client.closed, timeout(ms).then((): Closed => 'still open')]);

/** The headers of POST /v1/tickets with a 200-byte body announced, and the first byte of that body. */
const HALF_SENT_REPORT = 'POST /v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{';

const running: AppProcess[] = [];
const dirs: Array<{ remove(): void }> = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  for (const app of running.splice(0)) {
    if (app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
  }
  for (const dir of dirs.splice(0)) dir.remove();
});

async function startApp(env: Record<string, string>): Promise<{ app: AppProcess; port: number; dataDir: string }> {
  await distPresent();
  const data = tempDataDir();
  dirs.push(data);
  const port = await freePort();
  const app = startAppProcess(
    { DATA_DIR: data.path, API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'warn', RUN_DEADLINE_FOLLOWER: 'false', RUN_WEBHOOKS: 'false', ...env },
    port,
  );
  running.push(app);
  await waitFor(`${app.baseUrl}/health/ready`);
  return { app, port, dataDir: data.path };
}

describe('timeouts at the edge', () => {
  it('a request whose body stalls after one byte is answered 408 and closed after the request timeout', async () => {
    const { port } = await startApp({ HTTP_REQUEST_TIMEOUT_MS: '3000', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_CONNECTION_TIMEOUT_MS: '20000' });
    const client = await rawClient(port);
    client.socket.write(HALF_SENT_REPORT);
    const closedAfter = await closedWithin(client, 15_000);
    expect(closedAfter).not.toBe('still open');
    // Not earlier than the request timeout allows (the headers were complete at once).
    expect(closedAfter).toBeGreaterThanOrEqual(2500);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(client.received()).toContain('"code":"REQUEST_TIMEOUT"');
  }, 40_000);

  it('headers that trickle in, and a connection that sends nothing, are cut by the headers timeout', async () => {
    const { port } = await startApp({ HTTP_REQUEST_TIMEOUT_MS: '30000', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_CONNECTION_TIMEOUT_MS: '30000' });
    const trickler = await rawClient(port);
    trickler.socket.write('POST /v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const started = Date.now();
    // A header line every 200 ms: the connection is never idle, so only the headers timeout can end it.
    const trickle = setInterval(() => {
      if (!trickler.socket.destroyed) trickler.socket.write(`X-Trickle-${Date.now()}: x\r\n`);
    }, 200);
    const silent = await rawClient(port);
    try {
      const [trickled, silence] = await Promise.all([closedWithin(trickler, 20_000), closedWithin(silent, 20_000)]);
      expect({ trickled: trickled === 'still open' ? trickled : 'closed', silence: silence === 'still open' ? silence : 'closed' }).toEqual({
        trickled: 'closed',
        silence: 'closed',
      });
      // Well before the 30 s request and connection timeouts: the headers timeout did it.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(trickler.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
    }
  }, 40_000);

  it('an idle kept-alive connection is closed after the keep-alive timeout, which the answer announces', async () => {
    const { port } = await startApp({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000' });
    const client = await rawClient(port);
    client.socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const answered = Date.now() + 10_000;
    while (!client.received().includes('{"status":"ok"}') && Date.now() < answered) await sleep(20);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received().toLowerCase()).toContain('keep-alive: timeout=1');
    // Node gives the client a second more than it announces before it closes.
    expect(await closedWithin(client, 15_000)).not.toBe('still open');
  }, 40_000);

  it('an answer that takes longer than the request timeout is still given: the timeout covers receiving the request', async () => {
    const { app } = await startApp({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' });
    // A view asked for a position the log never reaches waits 5 s, then answers 503 VIEW_NOT_CAUGHT_UP.
    const answer = await fetch(`${app.baseUrl}/v1/views/sla-compliance?minPosition=999999`, { headers: { authorization: `Bearer ${TEST_KEYS.analyst}` } });
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { code: string }).code).toBe('VIEW_NOT_CAUGHT_UP');
  }, 40_000);
});

describe('the connection cap', () => {
  it('closes the connections beyond HTTP_MAX_CONNECTIONS as they arrive, and takes new ones once others close', async () => {
    const cap = 6;
    const { app, port } = await startApp({ HTTP_MAX_CONNECTIONS: String(cap) });
    const answered: RawClient[] = [];
    const dropped: RawClient[] = [];
    for (let n = 0; n < cap + 4; n++) {
      const client = await rawClient(port);
      client.socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      // Each kept-alive client holds its connection after its answer; the ones over the cap are closed unanswered.
      const deadline = Date.now() + 10_000;
      while (!client.received().includes('{"status":"ok"}') && !client.socket.destroyed && Date.now() < deadline) await sleep(10);
      (client.received().includes('{"status":"ok"}') ? answered : dropped).push(client);
    }
    // The test's own readiness poll may still hold one kept-alive connection of the cap.
    expect(answered.length).toBeLessThanOrEqual(cap);
    expect(answered.length).toBeGreaterThanOrEqual(cap - 1);
    expect(dropped.length).toBeGreaterThanOrEqual(4);
    for (const client of dropped) expect(client.received()).toBe('');

    for (const client of answered) client.socket.destroy();
    await waitFor(`${app.baseUrl}/health/live`, 200, 10_000);
  }, 40_000);
});

describe('SIGTERM with stalled requests', () => {
  it('exits 0 within its grace period, the store closed cleanly, although the stalled connections never finish', async () => {
    const graceMs = 2000;
    // The default 30 s request timeout would not cut these before a kill: only the grace can.
    const { app, port, dataDir } = await startApp({ SHUTDOWN_GRACE_MS: String(graceMs) });
    const stalled = await Promise.all(Array.from({ length: 5 }, () => rawClient(port)));
    for (const client of stalled) client.socket.write(HALF_SENT_REPORT);
    await sleep(300);
    const signalled = Date.now();
    app.child.kill('SIGTERM');
    const exit = await Promise.race([app.exited, timeout(graceMs + 10_000).then(() => 'still running' as const)]);
    const tookMs = Date.now() - signalled;
    expect({ exit, output: exit === 'still running' || exit.code !== 0 ? app.output() : '' }).toEqual({ exit: { code: 0, signal: null }, output: '' });
    expect(tookMs).toBeGreaterThanOrEqual(graceMs - 500);
    // SQLite removes the WAL file when its last connection closes: the store was closed, not abandoned.
    expect(existsSync(join(dataDir, 'events.db-wal'))).toBe(false);
    for (const client of stalled) expect(await closedWithin(client, 5_000)).not.toBe('still open');
  }, 40_000);
});
