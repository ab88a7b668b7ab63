/**
 * The commands benchmark: the full fault path driven over HTTP by 32 concurrent clients against
 * the real API (a child process on the embedded store), against a bare Fastify route that inserts
 * one row into SQLite per request, in the same run, at the same synchronous setting; and against
 * raw better-sqlite3 appends in this process, one transaction (one commit, one fsync at FULL) per
 * event, at FULL, measured after each API run: the rate the API would have without group commit.
 * Target of that line: API commands/s >= 3x the raw one-transaction-per-event FULL rate. Two
 * ceilings are measured beside it with the same load generator: a no-op Fastify route, and the
 * API's own lightest route (GET /health/live), which no command can outrun.
 * Usage: node dist/bench/commands.bench.js [--quick] [--json <file>] [--cpu-prof <dir>] [--api-env K=V,K=V]
 * (`--api-env` adds settings to the API's environment, e.g. RUN_PROJECTIONS=false, to see what a
 * part of the server costs the command path.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { timeOrderedUuid } from '../libs/event-store/src/append-validation';
import { SCHEMA } from '../libs/event-store/src/sqlite/schema';
import { argValue, freePort, median, quickMode, runStandalone, samplePayload, tempDir, type BenchRow } from './bench-support';
import { runLoad, type LoadResult, type Send } from './http-load';

const quick = quickMode();
const CONCURRENCY = 32;
const RUNS = 3;
const DURATION_MS = quick ? 2500 : 10000;
// Long enough for V8 to have optimised the request path: the first second of a fresh process is
// mostly compilation, and its latencies say nothing of the steady state the targets are about.
const WARM_UP_MS = quick ? 1500 : 2000;
const RAW_TX_MS = quick ? 1000 : 3000;
/** The ceilings' routes do no work: shorter runs and warm-ups read them well enough. */
const CEILING = { warmUpMs: quick ? 700 : 1000, durationMs: quick ? 1500 : 5000 };
const MEASURED = { warmUpMs: WARM_UP_MS, durationMs: DURATION_MS };
const SYNCHRONOUS = process.env.SQLITE_SYNCHRONOUS ?? 'FULL';
const KEY = 'service-bench-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

/** With `--cpu-prof <dir>`, the API runs under the V8 CPU profiler (read it with `node dist/bench/profile.js top <file>`). */
const CPU_PROF = argValue('--cpu-prof');

/** With `--api-env K=V,K=V`, settings added to the API's environment for this run. */
const API_ENV: Record<string, string> = (() => {
  const pairs = argValue('--api-env');
  if (pairs === undefined) return {};
  return Object.fromEntries(
    pairs.split(',').filter(Boolean).map((pair) => {
      const [key, ...value] = pair.split('=');
      return [key, value.join('=')];
    }),
  );
})();

/** Rows measured with `--api-env` say so in their names. */
const ENV_NOTE = Object.keys(API_ENV).length ? `, API with ${Object.entries(API_ENV).map(([key, value]) => `${key}=${value}`).join(' ')}` : '';

function start(script: string, args: string[], env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, resolve(__dirname, script), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveStart, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line === 'ready' || line.includes('listening on')) {
        child.stdout!.resume();
        lines.removeAllListeners('line');
        lines.on('line', () => undefined);
        resolveStart(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolveExit) => child.on('exit', resolveExit));
  child.kill('SIGTERM');
  await exited;
}

let sequence = 0;
/** One fault from report to close: seven commands. */
async function faultPath(send: Send): Promise<void> {
  const n = sequence++;
  const reported = await send('POST', '/v1/tickets', {
    customerId: `customer-${n % 500}`,
    channel: 'phone',
    kind: 'fault',
    severity: n % 3 === 0 ? 'major' : 'general',
    zone: 'urban',
    summary: 'Core switch in building B drops packets every few minutes',
  }, auth);
  if (reported.status !== 201) throw new Error(`report answered ${reported.status}: ${reported.body}`);
  const id = (JSON.parse(reported.body) as { ticketId: string }).ticketId;
  const steps: Array<[string, unknown]> = [
    ['acknowledge', { by: 'desk-7', note: 'engineer on the way' }],
    ['dispatch', { engineerId: `eng-${n % 40}`, tier: 'onsite' }],
    ['arrive', { engineerId: `eng-${n % 40}` }],
    ['restore', { by: `eng-${n % 40}`, resolution: 'replaced the line card' }],
    ['report', { faultType: 'hardware', cause: 'line card', method: 'swap', loss: 'none', by: `eng-${n % 40}` }],
    ['close', { by: 'desk-7' }],
  ];
  for (const [step, body] of steps) {
    const answer = await send('POST', `/v1/tickets/${id}/${step}`, body, auth);
    if (answer.status !== 200) throw new Error(`${step} answered ${answer.status}: ${answer.body}`);
  }
}

/** Seven single-row inserts, the same count of requests as a fault path. */
async function rawPath(send: Send): Promise<void> {
  const stream = `raw-${sequence++}`;
  for (let i = 0; i < 7; i++) {
    const answer = await send('POST', `/raw/${stream}`, { by: 'desk-7', step: i, note: 'engineer on the way' });
    if (answer.status !== 200) throw new Error(`raw answered ${answer.status}`);
  }
}

/** The same count of requests to a route that does nothing: what the transport alone allows. */
async function noopPath(send: Send): Promise<void> {
  for (let i = 0; i < 7; i++) {
    const answer = await send('POST', `/raw/noop`, { by: 'desk-7', step: i, note: 'engineer on the way' });
    if (answer.status !== 200) throw new Error(`no-op route answered ${answer.status}`);
  }
}

/** The API's lightest route: no key, no store, no log line; what the API's HTTP stack alone allows. */
async function livenessPath(send: Send): Promise<void> {
  for (let i = 0; i < 7; i++) {
    const answer = await send('GET', '/health/live');
    if (answer.status !== 200) throw new Error(`/health/live answered ${answer.status}`);
  }
}

async function measureApi(port: number, scenario: (send: Send) => Promise<void> = faultPath, times = MEASURED): Promise<LoadResult> {
  const dir = tempDir('bench-commands-');
  const app = await start('../apps/api/src/main.js', [], {
    DATA_DIR: dir.path,
    PORT: String(port),
    API_KEYS: `service:${KEY}`,
    RATE_LIMIT_PER_SECOND: '0',
    SQLITE_SYNCHRONOUS: SYNCHRONOUS,
    SLA_POLICIES_FILE: resolve(__dirname, '../../config/sla-policies.json'),
    CHARGE_POLICIES_FILE: resolve(__dirname, '../../config/charge-policies.json'),
    LOG_LEVEL: 'info',
    ...API_ENV,
  }, CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []);
  try {
    await runLoad(`http://127.0.0.1:${port}`, CONCURRENCY, times.warmUpMs, scenario);
    return await runLoad(`http://127.0.0.1:${port}`, CONCURRENCY, times.durationMs, scenario);
  } finally {
    await stop(app);
    dir.remove();
  }
}

/**
 * Raw appends with no server in front: one INSERT per event in its own transaction (autocommit),
 * at synchronous=FULL, events of the usual size, for `durationMs`. Returns events/s.
 */
export function rawTransactionPerEvent(durationMs: number, synchronous = 'FULL'): number {
  const dir = tempDir('bench-raw-tx-');
  const db = new Database(join(dir.path, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec(SCHEMA);
    const insert = db.prepare(
      'INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const started = performance.now();
    let events = 0;
    while (performance.now() - started < durationMs) {
      const payload = samplePayload(events);
      insert.run(events, timeOrderedUuid(Date.now()), `ticket-${events % 1000}`, Math.floor(events / 1000), 'TicketReported', JSON.stringify(payload.data), JSON.stringify(payload.metadata), new Date().toISOString());
      events += 1;
    }
    return events / ((performance.now() - started) / 1000);
  } finally {
    db.close();
    dir.remove();
  }
}

async function measureRaw(port: number, noop = false): Promise<LoadResult> {
  const dir = tempDir('bench-raw-');
  const raw = await start('raw-server.js', [noop ? 'noop' : join(dir.path, 'raw.db'), String(port), SYNCHRONOUS], {});
  const scenario = noop ? noopPath : rawPath;
  const times = noop ? CEILING : MEASURED;
  try {
    await runLoad(`http://127.0.0.1:${port}`, CONCURRENCY, times.warmUpMs, scenario);
    return await runLoad(`http://127.0.0.1:${port}`, CONCURRENCY, times.durationMs, scenario);
  } finally {
    await stop(raw);
    dir.remove();
  }
}

export async function commandsBenchmark(): Promise<BenchRow[]> {
  const api: LoadResult[] = [];
  const raw: LoadResult[] = [];
  const rawTx: number[] = [];
  const noop: LoadResult[] = [];
  const liveness: LoadResult[] = [];
  for (let run = 0; run < RUNS; run++) {
    if (run % 2 === 0) {
      raw.push(await measureRaw(await freePort()));
      api.push(await measureApi(await freePort()));
    } else {
      api.push(await measureApi(await freePort()));
      raw.push(await measureRaw(await freePort()));
    }
    rawTx.push(rawTransactionPerEvent(RAW_TX_MS, 'FULL'));
    noop.push(await measureRaw(await freePort(), true));
    liveness.push(await measureApi(await freePort(), livenessPath, CEILING));
  }
  process.stderr.write(`raw one transaction per event, FULL: ${rawTx.map((r) => r.toFixed(0)).join(', ')} events/s\n`);
  for (const [name, results] of [['api', api], ['raw', raw], ['no-op route', noop], ['api /health/live', liveness]] as const) {
    for (const r of results) {
      process.stderr.write(`${name}: ${r.perSecond.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors\n`);
    }
  }
  const rate = median(api.map((r) => r.perSecond));
  const baseline = median(raw.map((r) => r.perSecond));
  const p50 = median(api.map((r) => r.p50Ms));
  const p99 = median(api.map((r) => r.p99Ms));
  const rawP99 = median(raw.map((r) => r.p99Ms));
  const rawTxRate = median(rawTx);
  const noopRate = median(noop.map((r) => r.perSecond));
  const livenessRate = median(liveness.map((r) => r.perSecond));
  // Each command of the fault path appends one event, so commands/s and events/s compare as they are.
  return [
    {
      name: `commands/s, full fault path, ${CONCURRENCY} clients, synchronous=${SYNCHRONOUS}${ENV_NOTE}`,
      value: rate,
      unit: 'commands/s',
      baseline,
      ratio: rate / baseline,
      target: '>= 0.50 of raw route',
      pass: rate / baseline >= 0.5,
    },
    {
      name: `commands/s, full fault path, ${CONCURRENCY} clients, synchronous=${SYNCHRONOUS}${ENV_NOTE}, vs raw 1 tx/event appends FULL`,
      value: rate,
      unit: 'commands/s',
      baseline: rawTxRate,
      ratio: rate / rawTxRate,
      target: '>= 3 x baseline',
      pass: rate / rawTxRate >= 3,
    },
    {
      // The ceilings: no command path can answer faster than these routes that do no work.
      name: `ceiling: a no-op Fastify route, ${CONCURRENCY} clients, same load generator, vs raw 1 tx/event appends FULL`,
      value: noopRate,
      unit: 'req/s',
      baseline: rawTxRate,
      ratio: noopRate / rawTxRate,
      target: 'report',
      pass: null,
    },
    {
      name: `ceiling: GET /health/live through the API (no key, no store, no log line), ${CONCURRENCY} clients, vs raw 1 tx/event appends FULL`,
      value: livenessRate,
      unit: 'req/s',
      baseline: rawTxRate,
      ratio: livenessRate / rawTxRate,
      target: 'report',
      pass: null,
    },
    { name: `command latency p50${ENV_NOTE}`, value: p50, unit: 'ms', baseline: median(raw.map((r) => r.p50Ms)), ratio: p50 / median(raw.map((r) => r.p50Ms)), target: 'report', pass: null },
    { name: `command latency p99${ENV_NOTE}`, value: p99, unit: 'ms', baseline: rawP99, ratio: p99 / rawP99, target: '< 25 ms', pass: p99 < 25 },
  ];
}

if (require.main === module) runStandalone('commands benchmark', () => commandsBenchmark());
