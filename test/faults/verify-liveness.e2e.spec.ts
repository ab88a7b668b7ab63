import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { freePort, startAppProcess, tempDataDir, waitFor, type AppProcess } from '../support/app-process';
import { distPresent } from '../support/built';
import { writeChainedStore } from '../support/chained-store';
import { api, TEST_API_KEYS } from '../support/http-client';

/**
 * A verify of the whole log does not stop the server (docs/guarantees.md, "Heavy audits"): on a
 * store of 200,000 chained events, `GET /health/live` probed every 10 ms while
 * `GET /v1/audit/verify` runs answers with a p99 under 100 ms and never later than 250 ms. One
 * verify runs at a time: a second request for the same check joins the running one, a request for
 * another check gets 429 with Retry-After.
 *
 * The probes go out over one kept-alive connection pool from this process, are timed from the moment
 * each is sent, and count only when sent while the verify ran; the server is warmed up first.
 */

const EVENTS = 200_000;
const PROBE_EVERY_MS = 10;

let data: { path: string; remove(): void };
let app: AppProcess;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** One GET over the kept-alive agent; resolves with its status and how long it took. */
function probe(url: URL): Promise<{ status: number; ms: number; sentAt: number }> {
  const sentAt = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - sentAt, sentAt }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Probes `/health/live` every 10 ms until `stop()`; gives every probe with its send time. */
function probeLive(baseUrl: string): { stop(): Promise<Array<{ status: number; ms: number; sentAt: number }>> } {
  const url = new URL('/health/live', baseUrl);
  const answers: Array<Promise<{ status: number; ms: number; sentAt: number }>> = [];
  const timer = setInterval(() => answers.push(probe(url)), PROBE_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      return Promise.all(answers);
    },
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

beforeAll(async () => {
  data = tempDataDir();
  writeChainedStore(join(data.path, 'events.db'), { events: EVENTS, streams: 2_000 });
  await distPresent();
  app = startAppProcess(
    { DATA_DIR: data.path, API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '0', RUN_DEADLINE_FOLLOWER: 'false' },
    await freePort(),
  );
  try {
    // Ready once the projections have read the 200,000 events too.
    await waitFor(`${app.baseUrl}/health/ready`, 200, 90_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${app.output()}`);
  }
}, 150_000);

afterAll(async () => {
  agent.destroy();
  if (app && app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGTERM');
    await app.exited;
  }
  data?.remove();
});

describe('verify on a store of 200,000 events', () => {
  it('keeps /health/live answering: p99 under 100 ms, no probe over 250 ms while verify runs', async () => {
    const auditor = api(app.baseUrl).as('auditor');
    // Warm-up: the verify path once on one stream, and a second of probes.
    expect((await auditor.get('/v1/audit/verify?stream=note-1')).status).toBe(200);
    const warm = probeLive(app.baseUrl);
    await sleep(1_000);
    await warm.stop();

    const probes = probeLive(app.baseUrl);
    await sleep(200);
    const started = performance.now();
    const verified = await auditor.get('/v1/audit/verify');
    const ended = performance.now();
    await sleep(200);
    const all = await probes.stop();

    expect({ status: verified.status, body: verified.body }).toEqual({
      status: 200,
      body: { ok: true, checkedStreams: 2_000, checkedEvents: EVENTS, broken: [] },
    });
    const during = all.filter((p) => p.sentAt >= started && p.sentAt <= ended);
    const latencies = during.map((p) => p.ms);
    const summary = {
      verifyMs: Math.round(ended - started),
      probes: during.length,
      p50: Math.round(percentile(latencies, 50)),
      p99: Math.round(percentile(latencies, 99)),
      max: Math.round(Math.max(...latencies)),
    };
    process.stderr.write(`verify of ${EVENTS} events: ${JSON.stringify(summary)}\n`);
    expect(during.every((p) => p.status === 200)).toBe(true);
    // The measurement means something only if the verify lasted a while.
    expect(during.length).toBeGreaterThanOrEqual(20);
    expect({ p99Under100: summary.p99 < 100, maxUnder250: summary.max < 250, ...summary }).toMatchObject({ p99Under100: true, maxUnder250: true });
  }, 120_000);

  it('runs one verify at a time: the same check joins the running one, another check gets 429 with Retry-After', async () => {
    const auditor = api(app.baseUrl).as('auditor');
    const first = auditor.get('/v1/audit/verify');
    await sleep(100);
    const joined = auditor.get('/v1/audit/verify');
    const other = await auditor.get('/v1/audit/verify?stream=note-7');
    const [a, b] = await Promise.all([first, joined]);
    expect(a.status).toBe(200);
    expect(b).toMatchObject({ status: 200, body: a.body });
    expect(a.body).toMatchObject({ ok: true, checkedEvents: EVENTS });
    expect(other.status).toBe(429);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ status: 429, code: 'VERIFY_RUNNING' });
    expect(Number(other.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Once it is done, another check runs.
    expect((await auditor.get('/v1/audit/verify?stream=note-7')).body).toMatchObject({ ok: true, checkedStreams: 1, checkedEvents: EVENTS / 2_000 });
  }, 120_000);
});
