import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { positionOf } from '@app/event-store';
import { WebhookStore } from '../../apps/api/src/webhooks/webhook-store';
import { freePort, startAppProcess, tempDataDir, until, waitFor, type AppProcess } from '../support/app-process';
import { api, TEST_API_KEYS } from '../support/http-client';

/**
 * Webhooks against hostile targets, on the built server over real HTTP: registrations that aim
 * at cloud metadata, loopback or private addresses are refused unless WEBHOOK_ALLOWED_HOSTS names
 * the host; a name that resolves to loopback when a delivery connects is refused then; a
 * receiver that streams 500 MB back costs the server no memory to speak of; deliveries carry a
 * timestamped signature that the receiver check in docs/api.md accepts, and refuses when it should;
 * the delivery log is pruned after WEBHOOK_RETENTION_DAYS.
 */

const SECRET = 'webhook-secret-0123456789';
const MB = 1024 * 1024;

/** A loopback receiver that counts the connections it gets and answers each request with `answer`. */
class Receiver {
  readonly received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  connections = 0;
  private server: Server | undefined;
  port = 0;

  constructor(private readonly answer: (res: ServerResponse) => void = (res) => res.writeHead(204).end()) {}

  async start(): Promise<this> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body });
        this.answer(res);
      });
    });
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function startApp(dataDir: string, env: Record<string, string>): Promise<AppProcess> {
  const app = startAppProcess(
    { DATA_DIR: dataDir, API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '0', RUN_DEADLINE_FOLLOWER: 'false', WEBHOOK_RETRY_BASE_MS: '100', ...env },
    await freePort(),
  );
  try {
    await waitFor(`${app.baseUrl}/health/ready`);
  } catch (error) {
    app.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${app.output()}`);
  }
  return app;
}

async function stopApp(app: AppProcess | undefined): Promise<void> {
  if (!app) return;
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
  await app.exited;
}


/** The peak resident memory of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

const reportTicket = (baseUrl: string, summary: string) =>
  api(baseUrl).as('service').post('/v1/tickets', { customerId: 'c-hooks', channel: 'web', kind: 'consultation', severity: 'general', summary });

type Verify = (secret: string, rawBody: string | Buffer, headers: Record<string, unknown>, nowSeconds?: number) => boolean;

/** The receiver check exactly as docs/api.md prints it, run in a context of its own. */
function documentedVerifier(): Verify {
  const guide = readFileSync(join(process.cwd(), 'docs/api.md'), 'utf8');
  const code = [...guide.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((block) => block.includes('function verifyWebhook'));
  if (!code) throw new Error('docs/api.md shows no verifyWebhook receiver check');
  const require = (name: string) => {
    if (name === 'node:crypto' || name === 'crypto') return crypto;
    throw new Error(`the check in docs/api.md requires ${name}`);
  };
  return runInNewContext(`${code}\nverifyWebhook;`, { require, Buffer }) as Verify;
}

describe('without WEBHOOK_ALLOWED_HOSTS', () => {
  const data = tempDataDir();
  let app: AppProcess;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await new Receiver().start();
    // Plain http is allowed here so that each refusal below is for the address, not the scheme.
    app = await startApp(data.path, { WEBHOOK_ALLOW_HTTP: 'true' });
  });
  afterAll(async () => {
    await stopApp(app);
    await receiver.stop();
    data.remove();
  });

  it('refuses cloud metadata, loopback, private and unspecified targets, in IPv4, IPv6 and mapped forms, with a problem', async () => {
    const admin = api(app.baseUrl).as('admin');
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      `http://127.0.0.1:${receiver.port}/hook`,
      'http://10.0.0.1/hook',
      'http://172.16.5.4/hook',
      'http://192.168.1.20/hook',
      'http://[::1]/hook',
      'http://[::ffff:169.254.169.254]/latest/meta-data',
      'http://[fd00::1]/hook',
      'http://0.0.0.0/hook',
      `http://localhost:${receiver.port}/hook`,
    ]) {
      const answer = await admin.post('/v1/webhooks', { url, eventTypes: ['*'], secret: SECRET });
      expect({ url, status: answer.status, code: answer.body?.code }).toEqual({ url, status: 400, code: 'WEBHOOK_TARGET_FORBIDDEN' });
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await admin.get('/v1/webhooks')).body.items).toEqual([]);
    expect(receiver.connections).toBe(0);
  });

  it('refuses at connection a webhook whose host resolves to loopback by then (as after DNS rebinding)', async () => {
    const admin = api(app.baseUrl).as('admin');
    // A public address passes registration (no event is queued yet, so nothing is sent to it).
    const created = await admin.post('/v1/webhooks', { url: 'http://192.0.2.10/hook', eventTypes: ['TicketReported'], secret: SECRET });
    expect(created.status).toBe(201);
    // Its host now leads to this machine: a name that resolves to 127.0.0.1 stands in for a rebound one.
    const db = new Database(join(data.path, 'webhooks.db'));
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare('UPDATE webhooks SET url = ? WHERE id = ?').run(`http://localhost:${receiver.port}/hook`, created.body.id);
    } finally {
      db.close();
    }
    expect((await reportTicket(app.baseUrl, 'rebinding')).status).toBe(201);
    const attempt = await until('a failed attempt', async () => {
      const log = await admin.get(`/v1/webhooks/${created.body.id}/deliveries`);
      return log.body.items[0]?.attemptLog[0] as { error: string | null; statusCode: number | null } | undefined;
    });
    expect(attempt.statusCode).toBeNull();
    expect(attempt.error).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address: refused/);
    expect(receiver.connections).toBe(0);
  });
});

describe('with WEBHOOK_ALLOWED_HOSTS=127.0.0.1', () => {
  const data = tempDataDir();
  let app: AppProcess;
  let receiver: Receiver;
  let flood: Receiver;
  let floodSent = 0;
  let floodClosed: Promise<void>;
  beforeAll(async () => {
    receiver = await new Receiver().start();
    let closed: () => void;
    floodClosed = new Promise((resolve) => (closed = resolve));
    // 500 MB in 64 KiB chunks, as fast as the client reads them, until it hangs up.
    flood = await new Receiver((res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(500 * MB) });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && floodSent < 500 * MB) {
          floodSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => closed());
      pump();
    }).start();
    app = await startApp(data.path, { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_ALLOW_HTTP: 'true' });
  });
  afterAll(async () => {
    await stopApp(app);
    await Promise.all([receiver.stop(), flood.stop()]);
    data.remove();
  });

  it('takes only the hosts it names', async () => {
    const admin = api(app.baseUrl).as('admin');
    for (const url of ['http://10.0.0.1/hook', `http://localhost:${receiver.port}/hook`, 'https://192.0.2.10/hook']) {
      const answer = await admin.post('/v1/webhooks', { url, eventTypes: ['*'], secret: SECRET });
      expect({ url, status: answer.status, code: answer.body?.code }).toEqual({ url, status: 400, code: 'WEBHOOK_HOST_NOT_ALLOWED' });
    }
  });

  it('delivers to an allow-listed loopback receiver, signed so that the check in docs/api.md accepts it, and refuses what it should', async () => {
    const created = await api(app.baseUrl).as('admin').post('/v1/webhooks', { url: `http://127.0.0.1:${receiver.port}/hook`, eventTypes: ['TicketReported'], secret: SECRET });
    expect(created.status).toBe(201);
    expect((await reportTicket(app.baseUrl, 'signed')).status).toBe(201);
    const { headers, body } = await until('the delivery', async () => receiver.received[0]);
    const verify = documentedVerifier();
    const timestamp = Number(headers['x-signature-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(120);

    expect(verify(SECRET, body, headers)).toBe(true);
    expect(verify(SECRET, Buffer.from(body), headers)).toBe(true);
    expect(verify('another-secret-0123456789', body, headers)).toBe(false);
    expect(verify(SECRET, body.replace('signed', 'forged'), headers)).toBe(false);
    // Replayed later: six minutes after the timestamp, and with a fresh timestamp on the old signature.
    expect(verify(SECRET, body, headers, timestamp + 360)).toBe(false);
    expect(verify(SECRET, body, { ...headers, 'x-signature-timestamp': String(timestamp + 1) }, timestamp + 1)).toBe(false);
    // Malformed headers answer false and never throw.
    for (const signature of ['sha256=abcd', `sha256=${'z'.repeat(64)}`, `sha256=${'a'.repeat(66)}`, '', 'md5=00']) {
      expect(() => verify(SECRET, body, { ...headers, 'x-signature-256': signature })).not.toThrow();
      expect(verify(SECRET, body, { ...headers, 'x-signature-256': signature })).toBe(false);
    }
    for (const broken of [{ 'x-signature-256': headers['x-signature-256'] }, { ...headers, 'x-signature-timestamp': 'soon' }, {}, { ...headers, 'x-signature-256': ['a', 'b'] }]) {
      expect(verify(SECRET, body, broken)).toBe(false);
    }
  });

  it('reads at most a few KiB of a receiver that streams 500 MB back: the server stays small and the delivery completes', async () => {
    const admin = api(app.baseUrl).as('admin');
    const created = await admin.post('/v1/webhooks', { url: `http://127.0.0.1:${flood.port}/flood`, eventTypes: ['TicketReported'], secret: SECRET });
    expect(created.status).toBe(201);
    const before = peakRss(app.child.pid!);
    expect((await reportTicket(app.baseUrl, 'flood')).status).toBe(201);
    const delivery = await until('the first attempt', async () => {
      const log = await admin.get(`/v1/webhooks/${created.body.id}/deliveries`);
      const item = log.body.items[0] as { status: string; attemptLog: Array<{ statusCode: number | null; error: string | null }> } | undefined;
      return item && item.attemptLog.length > 0 ? item : undefined;
    }, 60_000);
    await floodClosed;
    const after = peakRss(app.child.pid!);
    process.stdout.write(
      `webhook flood: the receiver wrote ${(floodSent / MB).toFixed(1)} MB; the API's peak RSS ${(before / MB).toFixed(0)} -> ${(after / MB).toFixed(0)} MB; first attempt ${JSON.stringify(delivery.attemptLog[0])}\n`,
    );
    expect(after - before).toBeLessThan(64 * MB);
    expect(floodSent).toBeLessThan(64 * MB);
    expect(delivery.status).toBe('delivered');
    expect(delivery.attemptLog[0]).toMatchObject({ statusCode: 200, error: null });
  }, 90_000);
});

describe('the delivery log', () => {
  const data = tempDataDir();
  let app: AppProcess | undefined;
  afterAll(async () => {
    await stopApp(app);
    data.remove();
  });

  it('loses the deliveries that finished more than WEBHOOK_RETENTION_DAYS ago when the server starts', async () => {
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    const store = new WebhookStore(join(data.path, 'webhooks.db'));
    store.startAt(positionOf(0));
    const hook = store.register({ id: crypto.randomUUID(), url: 'https://hooks.example/', eventTypes: ['*'], secret: SECRET }, daysAgo(50));
    const events = [1, 2, 3].map((n) => ({ id: crypto.randomUUID(), stream: `ticket-${n}`, revision: 0, position: positionOf(n), type: 'TicketReported', data: {}, metadata: {}, recordedAt: daysAgo(50) }));
    store.enqueue(events, positionOf(3), crypto.randomUUID, daysAgo(50));
    const [old, dead, recent] = store.due(daysAgo(0), 10).sort((a, b) => Number(a.position) - Number(b.position));
    store.recordAttempt(old, { ok: true, statusCode: 204, error: null, durationMs: 1 }, { at: daysAgo(40), dead: false, retryAt: daysAgo(39) });
    store.recordAttempt(dead, { ok: false, statusCode: 500, error: 'answered 500', durationMs: 1 }, { at: daysAgo(31), dead: true, retryAt: daysAgo(30) });
    store.recordAttempt(recent, { ok: true, statusCode: 204, error: null, durationMs: 1 }, { at: daysAgo(29), dead: false, retryAt: daysAgo(28) });
    store.close();

    app = await startApp(data.path, {});
    const kept = await until('the pruned log', async () => {
      const log = await api(app!.baseUrl).as('admin').get(`/v1/webhooks/${hook.id}/deliveries`);
      return log.body.total === 1 ? (log.body.items as Array<{ id: string }>) : undefined;
    });
    expect(kept.map((d) => d.id)).toEqual([recent.id]);
  });
});
