import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/api/src/bootstrap';
import { loadConfig } from '../../apps/api/src/config/app-config';
import { FailingEventStore } from '../../libs/event-store/src/testing/failing-event-store';
import { freePort, waitFor } from '../support/app-process';
import { api, TEST_API_KEYS, type Api, type HttpAnswer } from '../support/http-client';
import { bodies, countAllEvents, reportBody } from '../e2e/harness';

/**
 * The event store goes away (the service contract: "Unavailability raises a typed error that the API
 * maps to 503; nothing is half-written"). The app runs in this process with its store wrapped in
 * FailingEventStore: while `failing` is set every store call fails as an unreachable store does.
 * Every command then answers 503 problem+json with Retry-After, readiness is 503, nothing reaches
 * the file, and once the store is back the same process serves again, with no restart.
 */

let app: NestFastifyApplication;
let failing: FailingEventStore;
let dataDir: string;
let http: Api;
let baseUrl: string;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ticket-store-failure-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_KEYS: TEST_API_KEYS,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_SECOND: '0',
    // Every event in the store comes from the test's commands.
    RUN_DEADLINE_FOLLOWER: 'false',
    RUN_WEBHOOKS: 'false',
  });
  app = await createApp(config, { decorateEventStore: (store) => (failing = new FailingEventStore(store)) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  http = api(baseUrl);
}, 30_000);

afterAll(async () => {
  if (failing) failing.failing = false;
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The events whose metadata carries `commandId`, straight from the file. */
function eventsOfCommand(commandId: string): string[] {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT type FROM events WHERE json_extract(metadata, '$.commandId') = ? ORDER BY position").all(commandId) as Array<{ type: string }>).map(
      (row) => row.type,
    );
  } finally {
    db.close();
  }
}

/** A 503 as the service contract has it: problem+json, a Retry-After in seconds, a stable code, no internals. */
function expectUnavailable(answer: HttpAnswer, what: string): void {
  expect({ what, status: answer.status, contentType: answer.headers.get('content-type') }).toEqual({
    what,
    status: 503,
    contentType: expect.stringMatching(/^application\/problem\+json/),
  });
  expect({ what, retryAfter: answer.headers.get('retry-after') }).toEqual({ what, retryAfter: expect.stringMatching(/^\d+$/) });
  expect(answer.body).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE', type: expect.any(String), title: expect.any(String) });
  expect(answer.text).not.toMatch(/node_modules|\/work\/|\.ts:\d|\n\s+at /);
}

/** Every command route, with a valid body, for a ticket that is reported and acknowledged. */
function everyCommand(id: string): Array<[string, string, Record<string, unknown>]> {
  const path = (verb: string) => `/v1/tickets/${id}/${verb}`;
  return [
    ['report', '/v1/tickets', reportBody({ ticketId: randomUUID() })],
    ['acknowledge', path('acknowledge'), bodies.acknowledge()],
    ['dispatch', path('dispatch'), bodies.dispatch('eng-li', 'onsite')],
    ['arrive', path('arrive'), bodies.arrive('eng-li')],
    ['pause', path('pause'), bodies.pause()],
    ['resume', path('resume'), bodies.resume()],
    ['reprioritize', path('reprioritize'), bodies.reprioritize('general')],
    ['restore', path('restore'), bodies.restore()],
    ['file-report', path('report'), bodies.report()],
    ['satisfaction', path('satisfaction'), bodies.satisfaction('onsite', 5)],
    ['revisit', path('revisit'), bodies.revisit()],
    ['close', path('close'), bodies.close()],
    ['reopen', path('reopen'), bodies.reopen()],
  ];
}

describe('the event store unavailable', () => {
  it('answers every command 503 problem+json with Retry-After, readiness 503, writes nothing, and serves again by itself once the store is back', async () => {
    const service = http.as('service');
    const report = await service.post('/v1/tickets', reportBody());
    expect(report.status).toBe(201);
    const id = report.body.ticketId as string;
    expect((await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge())).status).toBe(200);
    const before = countAllEvents(dataDir);

    failing.failing = true;
    const commands = everyCommand(id).map(([name, path, body]) => ({ name, path, body, key: randomUUID() }));
    const answers = await Promise.all(commands.map((c) => service.post(c.path, c.body, { 'idempotency-key': c.key })));
    answers.forEach((answer, i) => expectUnavailable(answer, commands[i].name));
    // The reads that go to the store fail the same way.
    expectUnavailable(await service.get(`/v1/tickets/${id}`), 'GET ticket');
    expectUnavailable(await http.as('auditor').get(`/v1/tickets/${id}/history`), 'history');
    expectUnavailable(await http.as('auditor').get('/v1/audit/verify'), 'verify');
    const ready = await http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect((await http.get('/health/live')).status).toBe(200);
    expect(countAllEvents(dataDir)).toBe(before);

    failing.failing = false;
    expect(countAllEvents(dataDir)).toBe(before);
    for (const c of commands) expect({ command: c.name, events: eventsOfCommand(c.key) }).toEqual({ command: c.name, events: [] });

    // No restart: readiness comes back, and the client's retry (same key, same body) goes through once.
    await waitFor(`${baseUrl}/health/ready`, 200, 5_000);
    const [first] = commands;
    const retried = await service.post(first.path, first.body, { 'idempotency-key': first.key });
    expect(retried.status).toBe(201);
    const again = await service.post(first.path, first.body, { 'idempotency-key': first.key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(eventsOfCommand(first.key)).toEqual(['TicketReported']);
    const acknowledged = commands[1];
    expect((await service.post(acknowledged.path, acknowledged.body, { 'idempotency-key': acknowledged.key })).status).toBe(409);
    expect((await service.get(`/v1/tickets/${id}`)).status).toBe(200);
    expect(countAllEvents(dataDir)).toBe(before + 1);
    // The projections kept following: the view reaches the new command's position.
    const view = await http.as('analyst').get(`/v1/views/sla-compliance?minPosition=${retried.body.position}`);
    expect(view.status).toBe(200);
  }, 30_000);

  it('after the projections subscription is dropped, readiness is 503 while it fails and 200 again once it has resubscribed, with no restart', async () => {
    await waitFor(`${baseUrl}/health/ready`, 200, 10_000);
    // Dropped by the store, and the next six subscriptions refused (about two for each of the
    // three projections, whose retries wait 250, 500, then 1000 ms): long enough for a probe
    // every 50 ms to see the 503.
    failing.failSubscriptions({ afterEvents: 0, count: 6 });
    failing.dropSubscriptions();
    await waitFor(`${baseUrl}/health/ready`, 503, 10_000);
    await waitFor(`${baseUrl}/health/ready`, 200, 20_000);
    const ready = await http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.projections.projections.every((p: { failure?: string }) => !p.failure)).toBe(true);
    // The resubscribed projections follow new commands.
    const report = await http.as('service').post('/v1/tickets', reportBody());
    expect(report.status).toBe(201);
    expect((await http.as('analyst').get(`/v1/views/sla-compliance?minPosition=${report.body.position}`)).status).toBe(200);
    expect((await http.get('/health/ready')).status).toBe(200);
  }, 40_000);

  // When readiness fails, its 503 keeps the health report that names each check
  // ({ status: 'error', error: { eventStore: { status: 'down', ... } }, details: ... }).
  it('a 503 from /health/ready still names the check that failed (eventStore down) and is not called INTERNAL_ERROR', async () => {
    failing.failing = true;
    try {
      const ready = await http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.eventStore).toMatchObject({ status: 'down' });
      expect(ready.body?.code).not.toBe('INTERNAL_ERROR');
    } finally {
      failing.failing = false;
    }
  });

  it('under load with the store flapping, a command is answered 2xx or 503, and each one retried after its 503s is stored exactly once', async () => {
    const service = http.as('service');
    const statuses = new Map<number, number>();
    const missingRetryAfter: string[] = [];
    const completed: Array<{ key: string; step: string }> = [];
    let flapping = true;

    /** Sends one command until it is accepted, with the same key and body after every 503. */
    const until2xx = async (step: string, path: string, body: Record<string, unknown>): Promise<HttpAnswer> => {
      const key = randomUUID();
      for (let attempt = 0; attempt < 200; attempt++) {
        const answer = await service.post(path, body, { 'idempotency-key': key });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 503) {
          if (!/^\d+$/.test(answer.headers.get('retry-after') ?? '')) missingRetryAfter.push(step);
          await sleep(5 + Math.random() * 20);
          continue;
        }
        if (answer.status < 300) completed.push({ key, step });
        return answer;
      }
      throw new Error(`${step} was never accepted`);
    };
    const client = async (n: number) => {
      while (flapping) {
        const ticketId = randomUUID();
        const path = (verb: string) => `/v1/tickets/${ticketId}/${verb}`;
        const steps: Array<[string, string, Record<string, unknown>]> = [
          ['report', '/v1/tickets', reportBody({ ticketId, customerId: `flap-${n}` })],
          ['acknowledge', path('acknowledge'), bodies.acknowledge()],
          ['dispatch', path('dispatch'), bodies.dispatch('eng-li', 'onsite')],
          ['arrive', path('arrive'), bodies.arrive('eng-li')],
          ['restore', path('restore'), bodies.restore()],
          ['file-report', path('report'), bodies.report()],
          ['close', path('close'), bodies.close()],
        ];
        for (const [step, p, body] of steps) {
          const answer = await until2xx(step, p, body);
          if (answer.status >= 300) break;
        }
      }
    };
    const before = countAllEvents(dataDir);
    const clients = Array.from({ length: 8 }, (_, n) => client(n));
    const deadline = Date.now() + 1_500;
    while (Date.now() < deadline) {
      failing.failing = !failing.failing;
      await sleep(10 + Math.random() * 40);
    }
    failing.failing = false;
    flapping = false;
    await Promise.all(clients);

    expect([...statuses.keys()].filter((status) => status !== 200 && status !== 201 && status !== 503)).toEqual([]);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(missingRetryAfter).toEqual([]);
    const wrong = completed.filter((c) => eventsOfCommand(c.key).length !== 1).map((c) => `${c.step} ${c.key}: ${eventsOfCommand(c.key).join(',')}`);
    expect(wrong).toEqual([]);
    expect(countAllEvents(dataDir)).toBe(before + completed.length);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------
// A store file that cannot be written. File modes stop an ordinary user only: root ignores them,
// so as root the app is started as `nobody` (uid 65534); where that is not possible the test is
// skipped with the reason.

/** Waits (up to 60 s) while a `nest build` in another shell has emptied dist/. */
async function distReady(): Promise<void> {
  const main = resolve(process.cwd(), 'dist/apps/api/src/main.js');
  if (existsSync(main)) return;
  const deadline = Date.now() + 60_000;
  while (!existsSync(main) && Date.now() < deadline) await sleep(250);
  await sleep(1_000);
}

interface Runner {
  readonly uid?: number;
  readonly gid?: number;
}

/** Whether a node started with `runner` can open a read-only file for writing (it must not). */
function readOnlyProbe(): Runner | string {
  const uid = process.getuid?.();
  if (uid === undefined) return 'no POSIX user ids on this platform';
  const runner: Runner = uid === 0 ? { uid: 65534, gid: 65534 } : {};
  const dir = mkdtempSync(join(tmpdir(), 'ticket-ro-probe-'));
  try {
    const file = join(dir, 'probe');
    writeFileSync(file, 'x');
    chmodSync(file, 0o444);
    chmodSync(dir, 0o755);
    const main = resolve(process.cwd(), 'node_modules/better-sqlite3/package.json');
    const probe = spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(main)}); try { require('fs').openSync(${JSON.stringify(file)}, 'r+'); console.log('writable'); } catch (e) { console.log(e.code); }`],
      { ...runner, encoding: 'utf8', timeout: 10_000 },
    );
    const answer = (probe.stdout ?? '').trim();
    if (answer === 'EACCES' || answer === 'EROFS' || answer === 'EPERM') return runner;
    if (answer === 'writable') return `writes to a 0444 file still succeed as uid ${runner.uid ?? uid} (root ignores file modes)`;
    return `cannot run node as uid ${runner.uid ?? uid} to test file modes: ${(probe.stderr || probe.error?.message || answer).split('\n')[0]}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const probe = readOnlyProbe();
const itReadOnly = typeof probe === 'string' ? it.skip : it;
const readOnlyTitle =
  typeof probe === 'string'
    ? `a read-only store file (skipped: ${probe})`
    : 'a read-only store file: the app does not serve on it (it stops at start-up naming the file, or answers 503), and the file is unchanged';

describe('a store file that cannot be written', () => {
  itReadOnly(readOnlyTitle, async () => {
    const runner = probe as Runner;
    // The store file alone is read-only (EVENT_STORE_URL), in a folder that is read-only too;
    // DATA_DIR, where the app keeps its other files, stays writable.
    const storeDir = mkdtempSync(join(tmpdir(), 'ticket-ro-store-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'ticket-ro-data-'));
    const storeFile = join(storeDir, 'events.db');
    try {
      // A store with one ticket, written by this process, then closed.
      const writer = await createApp(
        loadConfig({ DATA_DIR: storeDir, API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'silent', RUN_PROJECTIONS: 'false', RUN_DEADLINE_FOLLOWER: 'false', RUN_WEBHOOKS: 'false' }),
      );
      await writer.listen({ port: 0, host: '127.0.0.1' });
      const writerApi = api(`http://127.0.0.1:${(writer.getHttpServer().address() as AddressInfo).port}`);
      expect((await writerApi.as('service').post('/v1/tickets', reportBody())).status).toBe(201);
      await writer.close();
      for (const file of readdirSync(storeDir)) {
        if (file === 'events.db') chmodSync(join(storeDir, file), 0o444);
        else rmSync(join(storeDir, file), { recursive: true, force: true });
      }
      chmodSync(storeDir, 0o555);
      chmodSync(dataDir, 0o777);
      const digest = () => createHash('sha256').update(readFileSync(storeFile)).digest('hex');
      const before = digest();

      await distReady();
      const port = await freePort();
      const child = spawn(process.execPath, [resolve(process.cwd(), 'dist/apps/api/src/main.js')], {
        ...runner,
        env: {
          PATH: process.env.PATH ?? '',
          HOST: '127.0.0.1',
          PORT: String(port),
          DATA_DIR: dataDir,
          EVENT_STORE_URL: `sqlite:${storeFile}`,
          API_KEYS: TEST_API_KEYS,
          LOG_LEVEL: 'warn',
          RUN_DEADLINE_FOLLOWER: 'false',
          RUN_WEBHOOKS: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      let exitCode: number | null | undefined;
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done((exitCode = code))));
      // Until it exits or answers liveness, for at most 15 s.
      const outcome = await (async () => {
        const deadline = Date.now() + 15_000;
        while (exitCode === undefined && Date.now() < deadline) {
          const live = await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status, () => 0);
          if (live === 200) return { exited: undefined };
          await sleep(100);
        }
        if (exitCode === undefined) throw new Error(`neither exited nor served within 15 s: ${output}`);
        return { exited: exitCode };
      })();
      try {
        if (outcome.exited !== undefined) {
          // Refused at start-up: a failure exit that names the store and the reason.
          expect(outcome.exited).not.toBe(0);
          expect({ output }).toEqual({ output: expect.stringContaining(storeFile) });
          expect(output).toMatch(/read-?only/i);
        } else {
          // Serving: it must say it is not ready and refuse commands as unavailable.
          const running = api(`http://127.0.0.1:${port}`);
          expect((await running.get('/health/ready')).status).toBe(503);
          expectUnavailable(await running.as('service').post('/v1/tickets', reportBody()), 'report on a read-only store');
        }
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      expect(digest()).toBe(before);
      expect(existsSync(`${storeFile}-wal`)).toBe(false);
    } finally {
      chmodSync(storeDir, 0o755);
      rmSync(storeDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 40_000);
});
