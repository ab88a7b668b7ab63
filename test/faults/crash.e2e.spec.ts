import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { freePort, startAppProcess, tempDataDir, waitFor, type AppProcess } from '../support/app-process';
import { built } from '../support/built';
import { runCli } from '../support/cli-process';
import { api, TEST_API_KEYS, type Client } from '../support/http-client';
import { bodies, reportBody } from '../e2e/harness';

/**
 * kill -9 under load (the service contract, "Faults"). Sixteen clients drive the full fault path, each
 * command with its own Idempotency-Key (half of them pause the ticket before the restore, which
 * then appends two events); the app dies with SIGKILL at a random moment and is
 * started again on the same DATA_DIR. Then, reading the SQLite file itself:
 * - durability: every command that got a 2xx is in the store, exactly once;
 * - no partial writes: a command that got an error left nothing, and one that got no answer left
 *   all of its events or none of them;
 * - the views, once caught up with the store head, are what a rebuild from zero gives.
 * Then the same with the projection runner alone (`apps/cli project`) killed while the API keeps
 * taking the load: the views count every event exactly once.
 */

const CLIENTS = 16;
/** The deadline follower and webhooks stay off: every event in the store comes from a client's command. */
const LOAD_ENV = { API_KEYS: TEST_API_KEYS, RATE_LIMIT_PER_SECOND: '0', LOG_LEVEL: 'warn', RUN_DEADLINE_FOLLOWER: 'false', RUN_WEBHOOKS: 'false' };

interface Step {
  readonly name: string;
  /** The path segment after /v1/tickets/:id, or undefined for the report itself (POST /v1/tickets). */
  readonly verb?: string;
  readonly body: (ticketId: string, n: number) => Record<string, unknown>;
  /** What the command appends, all under its commandId. */
  readonly events: readonly string[];
}

/** The fault path of the seeds: report, acknowledge, dispatch, arrive, restore, incident report, close. */
const FAULT_PATH: readonly Step[] = [
  { name: 'report', body: (ticketId, n) => reportBody({ ticketId, customerId: `crash-${n % 5}` }), events: ['TicketReported'] },
  { name: 'acknowledge', verb: 'acknowledge', body: () => bodies.acknowledge(), events: ['ResponseAcknowledged'] },
  { name: 'dispatch', verb: 'dispatch', body: (_id, n) => bodies.dispatch(`eng-${n % 4}`, 'onsite'), events: ['EngineerDispatched'] },
  { name: 'arrive', verb: 'arrive', body: (_id, n) => bodies.arrive(`eng-${n % 4}`), events: ['EngineerArrived'] },
  { name: 'restore', verb: 'restore', body: () => bodies.restore(), events: ['Restored'] },
  { name: 'file-report', verb: 'report', body: () => bodies.report(), events: ['ReportFiled'] },
  { name: 'close', verb: 'close', body: () => bodies.close(), events: ['TicketClosed'] },
];

/**
 * The same path with a pause before the restore: the restore of a paused ticket appends two
 * events (TicketResumed, Restored) under one commandId, so a crash could cut it in half. Half the
 * clients take this path.
 */
const PAUSED_PATH: readonly Step[] = [
  ...FAULT_PATH.slice(0, 4),
  { name: 'pause', verb: 'pause', body: () => bodies.pause(), events: ['TicketPaused'] },
  { name: 'restore', verb: 'restore', body: () => bodies.restore(), events: ['TicketResumed', 'Restored'] },
  ...FAULT_PATH.slice(5),
];

/** One request of the load: its key, what it was for, and what came back (a status, or why none). */
interface Attempt {
  readonly key: string;
  readonly ticketId: string;
  readonly step: Step;
  readonly body: Record<string, unknown>;
  readonly status?: number;
  readonly failure?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomBetween = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

function failureOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * One client: fault path after fault path, each command with a fresh Idempotency-Key. A refused
 * step ends that ticket's path; a request without an answer ends the client (the server is gone).
 */
async function faultPaths(service: Client, n: number, log: Attempt[], stop: () => boolean): Promise<void> {
  while (!stop()) {
    const ticketId = randomUUID();
    for (const step of n % 2 === 0 ? FAULT_PATH : PAUSED_PATH) {
      const key = randomUUID();
      const path = step.verb ? `/v1/tickets/${ticketId}/${step.verb}` : '/v1/tickets';
      const body = step.body(ticketId, n);
      let attempt: Attempt;
      try {
        const answer = await service.post(path, body, { 'idempotency-key': key });
        attempt = { key, ticketId, step, body, status: answer.status };
      } catch (error) {
        attempt = { key, ticketId, step, body, failure: failureOf(error) };
      }
      log.push(attempt);
      if (attempt.status === undefined) return;
      if (attempt.status >= 300 || stop()) break;
    }
  }
}

interface StoredCommandEvent {
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
}

/** The store's events grouped by the commandId in their metadata, read with a read-only connection. */
function eventsByCommand(dataDir: string): { byCommand: Map<string, StoredCommandEvent[]>; streams: Map<string, StoredCommandEvent[]>; head: number } {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare("SELECT position, stream, revision, type, json_extract(metadata, '$.commandId') AS commandId FROM events ORDER BY position")
      .all() as Array<{ position: number; stream: string; revision: number; type: string; commandId: string | null }>;
    const byCommand = new Map<string, StoredCommandEvent[]>();
    const streams = new Map<string, StoredCommandEvent[]>();
    for (const row of rows) {
      const event = { stream: row.stream, revision: row.revision, type: row.type };
      const key = row.commandId ?? '(none)';
      byCommand.set(key, [...(byCommand.get(key) ?? []), event]);
      streams.set(row.stream, [...(streams.get(row.stream) ?? []), event]);
    }
    return { byCommand, streams, head: rows.length ? Number(rows[rows.length - 1].position) : -1 };
  } finally {
    db.close();
  }
}

/**
 * What the store must hold for the attempts: a 2xx exactly its events, an error answer nothing,
 * no answer all of its events or nothing; every event comes from one of the attempts; every ticket
 * stream is a gap-free prefix of the fault path. Returns the violations (none expected).
 */
function checkStore(dataDir: string, attempts: readonly Attempt[]): { violations: string[]; head: number; counts: Record<string, number> } {
  const { byCommand, streams, head } = eventsByCommand(dataDir);
  const violations: string[] = [];
  const expected = (a: Attempt) => a.step.events.map((type) => ({ stream: `ticket-${a.ticketId}`, type }));
  const found = (a: Attempt) => (byCommand.get(a.key) ?? []).map(({ stream, type }) => ({ stream, type }));
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  for (const a of attempts) {
    const events = found(a);
    if (a.status !== undefined && a.status < 300) {
      if (!same(events, expected(a))) violations.push(`${a.step.name} ${a.key} answered ${a.status} but the store holds ${JSON.stringify(events)}`);
    } else if (a.status !== undefined) {
      if (events.length) violations.push(`${a.step.name} ${a.key} answered ${a.status} but the store holds ${JSON.stringify(events)}`);
    } else if (events.length && !same(events, expected(a))) {
      violations.push(`${a.step.name} ${a.key} got no answer (${a.failure}) and left a partial write: ${JSON.stringify(events)}`);
    }
  }
  const keys = new Set(attempts.map((a) => a.key));
  for (const [commandId, events] of byCommand) {
    if (!keys.has(commandId)) violations.push(`${events.length} event(s) with commandId ${commandId} that no client sent`);
  }
  const paths = [FAULT_PATH, PAUSED_PATH].map((p) => p.flatMap((step) => step.events));
  for (const [stream, events] of streams) {
    const types = events.map((e) => e.type);
    if (!events.every((e, i) => e.revision === i)) violations.push(`${stream}: revisions ${events.map((e) => e.revision).join(',')} have a gap`);
    if (!paths.some((path) => same(types, path.slice(0, types.length)))) violations.push(`${stream}: ${types.join(',')} is not a prefix of a fault path`);
  }
  const counts: Record<string, number> = {};
  for (const events of streams.values()) for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return { violations, head, counts };
}

/** Asks a view with minPosition = `head` until it answers 200 (it waits up to 5 s per request itself). */
async function viewAt(analyst: Client, path: string, head: number, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const answer = await analyst.get(`${path}?minPosition=${head}`);
    if (answer.status === 200) return answer.body;
    last = `${answer.status} ${answer.text}`;
    await sleep(100);
  }
  throw new Error(`${path} did not reach position ${head} within ${timeoutMs} ms: ${last}`);
}

/** The view figures that follow from the store's counts: one clock row per fault and metric, one satisfaction row per ticket. */
function expectViewsToCount(compliance: any, satisfaction: any, counts: Record<string, number>): void {
  const reported = counts.TicketReported ?? 0;
  const metrics = compliance.groups[0]?.metrics ?? {};
  expect({
    responseTotal: metrics.response?.total ?? 0,
    responseMet: metrics.response?.met ?? 0,
    restorationTotal: metrics.restoration?.total ?? 0,
    restorationMet: metrics.restoration?.met ?? 0,
    reportMet: metrics.report?.met ?? 0,
    restored: satisfaction.groups[0]?.revisits?.restored ?? 0,
  }).toEqual({
    responseTotal: reported,
    responseMet: counts.ResponseAcknowledged ?? 0,
    restorationTotal: reported,
    restorationMet: counts.Restored ?? 0,
    reportMet: counts.ReportFiled ?? 0,
    restored: counts.Restored ?? 0,
  });
}

/**
 * Waits (up to 60 s) while a `nest build` in another shell has emptied dist/, then gives it a
 * moment to finish writing the tree; the children below run the compiled code.
 */
async function distReady(): Promise<void> {
  const files = ['apps/api/src/main.js', 'apps/cli/src/main.js'].map((file) => resolve(process.cwd(), 'dist', file));
  if (files.every((file) => existsSync(file))) return;
  const deadline = Date.now() + 60_000;
  while (!files.every((file) => existsSync(file)) && Date.now() < deadline) await sleep(250);
  await sleep(1_000);
}


/** `rebuild <projection> --compare --json` for both projections: the differences each one found. */
async function rebuildDifferences(dataDir: string): Promise<Record<string, unknown>> {
  const differences: Record<string, unknown> = {};
  for (const projection of ['sla-compliance', 'satisfaction']) {
    const result = await runCli(['rebuild', projection, '--compare', '--json'], { DATA_DIR: dataDir });
    const last = result.stdout.trim().split('\n').pop() ?? '';
    let parsed: { differences?: number } | undefined;
    try {
      parsed = JSON.parse(last);
    } catch {
      parsed = undefined;
    }
    differences[projection] = result.code === 0 && parsed ? parsed.differences : `exit ${result.code}: ${result.stdout}${result.stderr}`;
  }
  return differences;
}

/** The projection runner alone, as `apps/cli project`; resolves once it says it is projecting. */
interface Projector {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

async function startProjector(dataDir: string): Promise<Projector> {
  await distReady();
  const child = spawn(process.execPath, [built('apps/cli/src/main.js'), 'project'], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const started = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('projecting')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((exit) => reject(new Error(`the projector exited before it started (${JSON.stringify(exit)}): ${output}`)));
    setTimeout(() => reject(new Error(`the projector did not start within 20 s: ${output}`)), 20_000).unref();
  });
  await started;
  return { child, exited, output: () => output };
}

async function startApp(dataDir: string, env: Record<string, string> = {}): Promise<AppProcess> {
  await distReady();
  const app = startAppProcess({ DATA_DIR: dataDir, ...LOAD_ENV, ...env }, await freePort());
  try {
    await Promise.race([
      waitFor(`${app.baseUrl}/health/ready`),
      app.exited.then((exit) => Promise.reject(new Error(`the app exited during start-up (${JSON.stringify(exit)})`))),
    ]);
  } catch (error) {
    app.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${app.output()}`);
  }
  return app;
}

/** Everything a test started, stopped after it whatever happened. */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(process: { child: ChildProcess; exited: Promise<unknown> }): void {
  cleanups.push(async () => {
    if (process.child.exitCode === null && process.child.signalCode === null) {
      process.child.kill('SIGKILL');
      await process.exited;
    }
  });
}

describe('SIGKILL under load', () => {
  it('keeps every 2xx command exactly once, leaves no partial write, and the views after restart equal a rebuild from zero', async () => {
    const data = tempDataDir();
    cleanups.push(() => data.remove());
    const first = await startApp(data.path);
    track(first);

    const attempts: Attempt[] = [];
    let killed = false;
    const service = api(first.baseUrl).as('service');
    const clients = Array.from({ length: CLIENTS }, (_, n) => faultPaths(service, n, attempts, () => killed));
    await sleep(randomBetween(300, 1500));
    first.child.kill('SIGKILL');
    killed = true;
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(clients);

    const answered = attempts.filter((a) => a.status !== undefined && a.status < 300);
    const unanswered = attempts.filter((a) => a.status === undefined);
    expect(answered.length).toBeGreaterThan(0);
    // Nothing but a 2xx or no answer at all: the load itself is valid.
    expect(attempts.filter((a) => a.status !== undefined && a.status >= 300).map((a) => `${a.step.name} ${a.status}`)).toEqual([]);
    expect(unanswered.length).toBeGreaterThan(0);

    const second = await startApp(data.path);
    track(second);
    const { violations, head, counts } = checkStore(data.path, attempts);
    expect(violations).toEqual([]);

    const analyst = api(second.baseUrl).as('analyst');
    const compliance = await viewAt(analyst, '/v1/views/sla-compliance', head);
    const satisfaction = await viewAt(analyst, '/v1/views/satisfaction', head);
    expectViewsToCount(compliance, satisfaction, counts);

    // A client that got no answer retries with the same key and body after the restart: it is
    // answered 2xx, and the store then holds the command exactly once, written before or now.
    const service2 = api(second.baseUrl).as('service');
    for (const retry of unanswered) {
      const path = retry.step.verb ? `/v1/tickets/${retry.ticketId}/${retry.step.verb}` : '/v1/tickets';
      const again = await service2.post(path, retry.body, { 'idempotency-key': retry.key });
      expect({ step: retry.step.name, status: again.status }).toEqual({ step: retry.step.name, status: retry.step.verb ? 200 : 201 });
    }
    const retried = checkStore(data.path, attempts.map((a) => (a.status === undefined ? { ...a, status: 200 } : a)));
    expect(retried.violations).toEqual([]);
    // Caught up with the retries too, so that the rebuild below compares views at the same position.
    await viewAt(analyst, '/v1/views/sla-compliance', retried.head);
    await viewAt(analyst, '/v1/views/satisfaction', retried.head);

    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(await rebuildDifferences(data.path)).toEqual({ 'sla-compliance': 0, satisfaction: 0 });
  }, 90_000);

  it('counts every event exactly once in the views when the projector alone is killed and started again while the API takes the load', async () => {
    const data = tempDataDir();
    cleanups.push(() => data.remove());
    const app = await startApp(data.path, { RUN_PROJECTIONS: 'false' });
    track(app);
    let projector = await startProjector(data.path);
    track(projector);

    const attempts: Attempt[] = [];
    let stopped = false;
    const service = api(app.baseUrl).as('service');
    const clients = Array.from({ length: CLIENTS }, (_, n) => faultPaths(service, n, attempts, () => stopped));
    await sleep(randomBetween(300, 1500));
    projector.child.kill('SIGKILL');
    expect(await projector.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await sleep(300);
    projector = await startProjector(data.path);
    track(projector);
    await sleep(1000);
    stopped = true;
    await Promise.all(clients);

    // The API never went down: every command was answered and accepted.
    expect(attempts.filter((a) => a.status === undefined || a.status >= 300).map((a) => `${a.step.name} ${a.status ?? a.failure}`)).toEqual([]);
    const { violations, head, counts } = checkStore(data.path, attempts);
    expect(violations).toEqual([]);

    const analyst = api(app.baseUrl).as('analyst');
    const compliance = await viewAt(analyst, '/v1/views/sla-compliance', head);
    const satisfaction = await viewAt(analyst, '/v1/views/satisfaction', head);
    expectViewsToCount(compliance, satisfaction, counts);

    projector.child.kill('SIGTERM');
    expect(await projector.exited).toEqual({ code: 0, signal: null });
    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(await rebuildDifferences(data.path)).toEqual({ 'sla-compliance': 0, satisfaction: 0 });
  }, 90_000);
});

describe('rebuild --compare after a crash left the views behind', () => {
  // When the views were behind (the projector stopped before it caught up), `rebuild --compare`
  // brings the live tables to the same position before comparing: a lag is not a difference.
  it('finds no difference when the live view is merely behind the store', async () => {
    const data = tempDataDir();
    cleanups.push(() => data.remove());
    const app = await startApp(data.path, { RUN_PROJECTIONS: 'false' });
    track(app);
    const service = api(app.baseUrl).as('service');
    const report = async () => expect((await service.post('/v1/tickets', reportBody())).status).toBe(201);
    for (let i = 0; i < 3; i++) await report();
    const projector = await startProjector(data.path);
    track(projector);
    const head = eventsByCommand(data.path).head;
    await viewAt(api(app.baseUrl).as('analyst'), '/v1/views/sla-compliance', head);
    projector.child.kill('SIGKILL');
    await projector.exited;
    // Accepted while no projector runs: the view is now behind the store.
    for (let i = 0; i < 3; i++) await report();
    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(await rebuildDifferences(data.path)).toEqual({ 'sla-compliance': 0, satisfaction: 0 });
  }, 60_000);
});
