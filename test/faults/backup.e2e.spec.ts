import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { freePort, startAppProcess, tempDataDir, waitFor, type AppProcess } from '../support/app-process';
import { api, TEST_API_KEYS, type Client } from '../support/http-client';
import { bodies, reportBody } from '../e2e/harness';

/**
 * Backup and restore of the embedded store with the CLI (docs/operations.md "Backups and restores"; tamper-evident
 * histories). While the app takes writes, `backup <file>` makes a consistent
 * copy: a prefix of the log, every command whole, every hash chain intact (`verify`). `restore
 * <file> --force` into a fresh DATA_DIR gives an app that serves the tickets, verifies, and builds
 * its views from the restored log; restoring over a live DATA_DIR drops views that describe the
 * newer log.
 */

const ENV = { API_KEYS: TEST_API_KEYS, RATE_LIMIT_PER_SECOND: '0', LOG_LEVEL: 'warn', RUN_DEADLINE_FOLLOWER: 'false', RUN_WEBHOOKS: 'false' };
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Row {
  readonly position: number;
  readonly event_id: string;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly commandId: string;
}

function rows(file: string): Row[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT position, event_id, stream, revision, type, data, metadata, json_extract(metadata, '$.commandId') AS commandId FROM events ORDER BY position")
      .all() as Row[];
  } finally {
    db.close();
  }
}

const countOf = (all: readonly Row[], type: string) => all.filter((r) => r.type === type).length;

/** Waits (up to 60 s) while a `nest build` in another shell has emptied dist/. */
async function distReady(): Promise<void> {
  const files = ['apps/api/src/main.js', 'apps/cli/src/main.js'].map((file) => resolve(process.cwd(), 'dist', file));
  if (files.every((file) => existsSync(file))) return;
  const deadline = Date.now() + 60_000;
  while (!files.every((file) => existsSync(file)) && Date.now() < deadline) await sleep(250);
  await sleep(1_000);
}

async function runCli(args: readonly string[], dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  await distReady();
  const child = spawn(process.execPath, [resolve(process.cwd(), 'dist/apps/cli/src/main.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((done) => child.on('close', (exitCode) => done(exitCode)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const lastJson = (text: string): any => JSON.parse(text.trim().split('\n').pop() ?? 'null');

async function startApp(dataDir: string): Promise<AppProcess> {
  await distReady();
  const app = startAppProcess({ DATA_DIR: dataDir, ...ENV }, await freePort());
  apps.push(app);
  try {
    await waitFor(`${app.baseUrl}/health/ready`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${app.output()}`);
  }
  return app;
}

async function stopApp(app: AppProcess): Promise<void> {
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
  expect(await app.exited).toEqual({ code: 0, signal: null });
}

/**
 * The fault path; every other ticket is paused before its restore, so that the restore appends two
 * events (TicketResumed, Restored) under one commandId: a copy must hold both or neither.
 */
async function faultPath(service: Client, n: number, stop: () => boolean = () => false): Promise<void> {
  const ticketId = randomUUID();
  const path = (verb: string) => `/v1/tickets/${ticketId}/${verb}`;
  const steps: Array<[string, Record<string, unknown>]> = [
    ['/v1/tickets', reportBody({ ticketId, customerId: `backup-${n % 3}` })],
    [path('acknowledge'), bodies.acknowledge()],
    [path('dispatch'), bodies.dispatch('eng-li', 'onsite')],
    [path('arrive'), bodies.arrive('eng-li')],
    ...(n % 2 === 0 ? [[path('pause'), bodies.pause()] as [string, Record<string, unknown>]] : []),
    [path('restore'), bodies.restore()],
    [path('report'), bodies.report()],
    [path('close'), bodies.close()],
  ];
  for (const [p, body] of steps) {
    if (stop()) return;
    const answer = await service.post(p, body, { 'idempotency-key': randomUUID() });
    if (answer.status >= 300) throw new Error(`${p}: ${answer.status} ${answer.text}`);
  }
}

async function viewAt(analyst: Client, path: string, head: number): Promise<any> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    const answer = await analyst.get(`${path}?minPosition=${head}`);
    if (answer.status === 200) return answer.body;
    last = `${answer.status} ${answer.text}`;
    await sleep(100);
  }
  throw new Error(`${path} did not reach ${head}: ${last}`);
}

/** The views count what the store holds: one row per fault and metric, one satisfaction row per ticket. */
async function expectViewsToMatch(analyst: Client, all: readonly Row[]): Promise<void> {
  const head = all[all.length - 1].position;
  const compliance = await viewAt(analyst, '/v1/views/sla-compliance', head);
  const satisfaction = await viewAt(analyst, '/v1/views/satisfaction', head);
  const metrics = compliance.groups[0].metrics;
  expect({
    reported: metrics.response.total,
    acknowledged: metrics.response.met,
    restored: metrics.restoration.met,
    reports: metrics.report.met,
    restoredTickets: satisfaction.groups[0].revisits.restored,
  }).toEqual({
    reported: countOf(all, 'TicketReported'),
    acknowledged: countOf(all, 'ResponseAcknowledged'),
    restored: countOf(all, 'Restored'),
    reports: countOf(all, 'ReportFiled'),
    restoredTickets: countOf(all, 'Restored'),
  });
}

const apps: AppProcess[] = [];
let source: { path: string; remove(): void };
let work: string;
let backupFile: string;
let copied: Row[];

beforeAll(() => {
  source = tempDataDir();
  work = mkdtempSync(join(tmpdir(), 'ticket-backup-'));
  backupFile = join(work, 'events-backup.db');
});

afterAll(async () => {
  for (const app of apps) {
    if (app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
  }
  source?.remove();
  rmSync(work, { recursive: true, force: true });
});

describe('backup while the app takes writes', () => {
  it('copies a prefix of the log with every command whole, and verify passes on the copy', async () => {
    const app = await startApp(source.path);
    const service = api(app.baseUrl).as('service');
    for (let n = 0; n < 8; n++) await faultPath(service, n);

    let stopped = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let n = w; !stopped; n += 4) await faultPath(service, n, () => stopped);
    });
    await sleep(200);
    const backup = await runCli(['backup', backupFile], source.path);
    await sleep(200);
    stopped = true;
    await Promise.all(writers);
    expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 0, stderr: '' });
    expect(backup.stdout).toContain(backupFile);

    const original = rows(join(source.path, 'events.db'));
    copied = rows(backupFile);
    expect(copied.length).toBeGreaterThan(0);
    expect(copied.length).toBeLessThanOrEqual(original.length);
    // A prefix of the log: the same events at the same positions, nothing missing in between.
    expect(copied).toEqual(original.slice(0, copied.length));
    // Every command whole: as many events under each commandId as the source holds.
    const perCommand = (all: readonly Row[]) => all.reduce((m, r) => m.set(r.commandId, (m.get(r.commandId) ?? 0) + 1), new Map<string, number>());
    const inSource = perCommand(original);
    const partial = [...perCommand(copied)].filter(([id, n]) => inSource.get(id) !== n).map(([id, n]) => `${id}: ${n} of ${inSource.get(id)}`);
    expect(partial).toEqual([]);
    expect(copied.some((r) => r.type === 'TicketResumed')).toBe(true);

    // verify, pointed at a DATA_DIR that holds the copy as its store.
    const check = mkdtempSync(join(work, 'verify-'));
    copyFileSync(backupFile, join(check, 'events.db'));
    const verify = await runCli(['verify', '--json'], check);
    expect({ code: verify.code, result: lastJson(verify.stdout) }).toEqual({
      code: 0,
      result: expect.objectContaining({ ok: true, checkedEvents: copied.length, broken: [] }),
    });

    // The app kept running through the backup, and still takes commands.
    await faultPath(service, 99);
  }, 90_000);

  it('restore --force into a fresh DATA_DIR: the app serves the tickets, verify passes, the views rebuild from the restored log', async () => {
    const fresh = tempDataDir();
    try {
      const restore = await runCli(['restore', backupFile, '--force'], fresh.path);
      expect({ code: restore.code, stderr: restore.stderr }).toEqual({ code: 0, stderr: '' });
      expect(rows(join(fresh.path, 'events.db'))).toEqual(copied);

      // Without --force an existing store is not replaced.
      const digest = () => createHash('sha256').update(readFileSync(join(fresh.path, 'events.db'))).digest('hex');
      const before = digest();
      const refused = await runCli(['restore', backupFile], fresh.path);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/--force/);
      expect(digest()).toBe(before);

      const app = await startApp(fresh.path);
      const http = api(app.baseUrl);
      const lastRevision = new Map<string, number>();
      for (const row of copied) lastRevision.set(row.stream, row.revision);
      const wrong: string[] = [];
      for (const [stream, revision] of lastRevision) {
        const answer = await http.as('service').get(`/v1/tickets/${stream.replace(/^ticket-/, '')}`);
        if (answer.status !== 200 || answer.body.revision !== revision) wrong.push(`${stream}: ${answer.status} revision ${answer.body?.revision}, expected ${revision}`);
      }
      expect(wrong).toEqual([]);
      const verified = await http.as('auditor').get('/v1/audit/verify');
      expect(verified.body).toMatchObject({ ok: true, checkedEvents: copied.length, broken: [] });
      await expectViewsToMatch(http.as('analyst'), copied);
      // The restored store takes new commands after the restored ones.
      await faultPath(http.as('service'), 100);
      const grown = rows(join(fresh.path, 'events.db'));
      await expectViewsToMatch(http.as('analyst'), grown);
      await stopApp(app);

      for (const projection of ['sla-compliance', 'satisfaction']) {
        const rebuilt = await runCli(['rebuild', projection, '--compare', '--json'], fresh.path);
        expect({ projection, code: rebuilt.code, differences: rebuilt.code === 0 ? lastJson(rebuilt.stdout).differences : rebuilt.stdout + rebuilt.stderr }).toEqual({
          projection,
          code: 0,
          differences: 0,
        });
      }
    } finally {
      fresh.remove();
    }
  }, 90_000);

  it('restore --force over the DATA_DIR it came from: the newer events are gone and the views describe the restored log, not the newer one', async () => {
    await stopApp(apps[0]);
    const newer = rows(join(source.path, 'events.db'));
    expect(newer.length).toBeGreaterThan(copied.length);
    const restore = await runCli(['restore', backupFile, '--force'], source.path);
    expect({ code: restore.code, stderr: restore.stderr }).toEqual({ code: 0, stderr: '' });
    expect(rows(join(source.path, 'events.db'))).toEqual(copied);

    const app = await startApp(source.path);
    await expectViewsToMatch(api(app.baseUrl).as('analyst'), copied);
    const missing = newer.find((row) => !copied.some((c) => c.stream === row.stream));
    if (missing) expect((await api(app.baseUrl).as('service').get(`/v1/tickets/${missing.stream.replace(/^ticket-/, '')}`)).status).toBe(404);
    expect((await api(app.baseUrl).as('auditor').get('/v1/audit/verify')).body).toMatchObject({ ok: true, checkedEvents: copied.length });
    await stopApp(app);
  }, 60_000);
});
