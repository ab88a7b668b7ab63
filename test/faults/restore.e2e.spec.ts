import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort, startAppProcess, tempDataDir, waitFor, type AppProcess } from '../support/app-process';
import { distPresent } from '../support/built';
import { runCli } from '../support/cli-process';
import { api, TEST_API_KEYS, type Api } from '../support/http-client';
import { reportBody } from '../e2e/harness';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Restore an operator can trust (docs/operations.md, "Backups and restores"). `restore` refuses while the API has the store
 * open, and changes nothing then. Restored to an older backup (the API stopped), the store takes
 * new commands whose events land on the positions the lost events had: they are projected into the
 * views and delivered to a webhook, because the restore removed the views and moved the webhook
 * outbox checkpoint back to the restored head.
 */

/** The tickets whose TicketReported a receiver got. */
const reportedTickets = (receiver: WebhookReceiver): Set<string> =>
  new Set(receiver.bodies().filter((b) => b.event.type === 'TicketReported').map((b) => String(b.event.data.ticketId)));

const ENV = {
  API_KEYS: TEST_API_KEYS,
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_SECOND: '0',
  RUN_DEADLINE_FOLLOWER: 'false',
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_RETRY_BASE_MS: '100',
};

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

let data: { path: string; remove(): void };
let work: string;
let receiver: WebhookReceiver;
let app: AppProcess | undefined;
let backupFile: string;
/** Tickets reported before the backup, and after it (lost by the restore). */
const before: string[] = [];
const lost: string[] = [];

async function startApp(): Promise<Api> {
  await distPresent();
  const started = startAppProcess({ DATA_DIR: data.path, ...ENV }, await freePort());
  app = started;
  try {
    await waitFor(`${started.baseUrl}/health/ready`, 200, 30_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${started.output()}`);
  }
  return api(started.baseUrl);
}

async function stopApp(): Promise<void> {
  const running = app;
  app = undefined;
  if (!running) return;
  running.child.kill('SIGTERM');
  expect(await running.exited).toEqual({ code: 0, signal: null });
}

async function report(http: Api): Promise<string> {
  const ticketId = randomUUID();
  const answer = await http.as('service').post('/v1/tickets', reportBody({ ticketId, customerId: 'restore' }), { 'idempotency-key': randomUUID() });
  if (answer.status !== 201) throw new Error(`report: ${answer.status} ${answer.text}`);
  return ticketId;
}

function storeRows(): Array<{ position: number; stream: string }> {
  const db = new Database(join(data.path, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT position, stream FROM events ORDER BY position').all() as Array<{ position: number; stream: string }>;
  } finally {
    db.close();
  }
}

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(async () => {
  data = tempDataDir();
  work = mkdtempSync(join(data.path, 'work-'));
  backupFile = join(work, 'events-backup.db');
  receiver = new WebhookReceiver(await freePort());
  await receiver.start();
}, 30_000);

afterAll(async () => {
  if (app && app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGKILL');
    await app.exited;
  }
  await receiver?.stop();
  data?.remove();
});

describe('restore', () => {
  it('refuses while the API runs, with a clear message and a non-zero exit, and changes no file', async () => {
    const http = await startApp();
    const hook = await http.as('admin').post('/v1/webhooks', { url: `http://127.0.0.1:${receiver.port}/hooks`, eventTypes: ['TicketReported'], secret: 'restore-secret-0123456789' });
    expect(hook.status).toBe(201);
    for (let n = 0; n < 3; n++) before.push(await report(http));
    await until('the first deliveries', () => (before.every((id) => reportedTickets(receiver).has(id)) ? true : undefined));
    const backup = await runCli(['backup', backupFile], { DATA_DIR: data.path });
    expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 0, stderr: '' });
    for (let n = 0; n < 3; n++) lost.push(await report(http));
    await until('the deliveries after the backup', () => (lost.every((id) => reportedTickets(receiver).has(id)) ? true : undefined));

    const store = join(data.path, 'events.db');
    const rowsBefore = storeRows();
    const storeDigest = digest(store);
    const wal = join(data.path, 'events.db-wal');
    expect(existsSync(wal)).toBe(true);

    const refused = await runCli(['restore', backupFile, '--force'], { DATA_DIR: data.path });
    expect(refused.code).not.toBe(0);
    expect(refused.code).not.toBeNull();
    expect(refused.stderr).toMatch(/events\.db is in use by another process: stop the API/);
    expect(refused.stdout).toBe('');
    // Nothing was replaced or removed under the running API, its WAL included.
    expect(digest(store)).toBe(storeDigest);
    expect(existsSync(wal)).toBe(true);
    expect(['views.db', 'webhooks.db'].filter((name) => !existsSync(join(data.path, name)))).toEqual([]);
    expect(storeRows()).toEqual(rowsBefore);
    // And the API goes on as before.
    expect((await http.as('auditor').get('/v1/audit/verify')).body).toMatchObject({ ok: true, checkedEvents: rowsBefore.length });
  }, 90_000);

  it('restored to an older backup, new commands take the lost positions again and are projected and delivered', async () => {
    const lostPositions = storeRows().filter((row) => lost.some((id) => row.stream === `ticket-${id}`)).map((row) => row.position);
    await stopApp();
    const restore = await runCli(['restore', backupFile, '--force'], { DATA_DIR: data.path });
    expect({ code: restore.code, stderr: restore.stderr }).toEqual({ code: 0, stderr: '' });
    expect(restore.stdout).toMatch(/the webhook outbox resumes after position \d+/);
    expect(storeRows().map((row) => row.stream)).toEqual(before.map((id) => `ticket-${id}`));

    const http = await startApp();
    const fresh: string[] = [];
    for (let n = 0; n < 3; n++) fresh.push(await report(http));
    // The new events sit where the lost ones were.
    const freshPositions = storeRows().filter((row) => fresh.some((id) => row.stream === `ticket-${id}`)).map((row) => row.position);
    expect(freshPositions).toEqual(lostPositions);

    await until('the deliveries after the restore', () => (fresh.every((id) => reportedTickets(receiver).has(id)) ? true : undefined));
    const head = Math.max(...freshPositions);
    const compliance = await until('the views at the new head', async () => {
      const answer = await http.as('analyst').get(`/v1/views/sla-compliance?minPosition=${head}`);
      return answer.status === 200 ? answer.body : undefined;
    });
    // The views count the restored tickets and the new ones, not the lost ones.
    expect(compliance.groups[0].metrics.response.total).toBe(before.length + fresh.length);
    for (const id of fresh) expect((await http.as('service').get(`/v1/tickets/${id}`)).status).toBe(200);
    for (const id of lost) expect((await http.as('service').get(`/v1/tickets/${id}`)).status).toBe(404);
    await stopApp();
  }, 90_000);
});
