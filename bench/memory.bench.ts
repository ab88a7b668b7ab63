/**
 * The memory and start-up benchmark: the API (dist/apps/api/src/main.js) started as a child
 * process on a DATA_DIR holding the generated store (1,000,000 events, 200,000 tickets; --quick:
 * 100,000 / 20,000) and its read models already caught up, as a server restarted on its own data
 * finds them. Measures the time from spawn to the first 200 of /health/ready, then runs analyst
 * queries (compliance summary by month and by policy, satisfaction, per-ticket clock rows, ticket
 * and history reads) and reads the resident memory from /metrics (and the peak from /proc).
 * Targets: RSS < 300 MB; ready < 3 s.
 *
 * Also measured: the CPU the server burns in the seconds after ready while nobody calls it (for
 * reading), and the same start with no webhooks.db, as a DATA_DIR restored from a backup or the
 * first start of a version with webhooks has it, judged by the same two targets (the webhook
 * outbox once followed the log from its start there: 12.8 s to ready and 1.9 GB at 1,000,000 events).
 *
 * The deadline follower is off (RUN_DEADLINE_FOLLOWER=false): the generated tickets stop at
 * Restored, so each owes report-clock warnings and a breach that the follower would append during
 * the measurement (a backlog of 3 events per ticket, a workload of its own, not start-up).
 * Usage: node dist/bench/memory.bench.js [--quick] [--fresh] [--json <file>] [--api-env K=V,K=V]
 * (`--api-env` adds settings to the API's environment, e.g. PROJECTION_THREAD=worker.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { positionOf, SqliteEventStore } from '@app/event-store';
import { WebhookStore } from '../apps/api/src/webhooks/webhook-store';
import { freshMode, argValue, freePort, infoRow, limitRow, median, quantile, quickMode, runStandalone, tempDir, type BenchRow } from './bench-support';
import { ensureDataset, ensureViews, POLICIES_FILE, type Dataset } from './dataset';
import { PROJECTION_TICKETS } from './projections.bench';

const ANALYST_KEY = 'analyst-bench-key-0123456789';
const AUDITOR_KEY = 'auditor-bench-key-0123456789';
const SERVICE_KEY = 'service-bench-key-0123456789';
const ROOT = resolve(__dirname, '../..');
const MB = 1024 * 1024;

interface Answer {
  status: number;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function get(port: number, path: string, key?: string): Promise<Answer> {
  return new Promise((resolveAnswer, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, method: 'GET', path, headers: key ? { authorization: `Bearer ${key}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** CPU seconds (user + system) the process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat; after the ") " split they are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

async function metricsRssMb(port: number): Promise<number> {
  const answer = await get(port, '/metrics');
  const match = /^process_resident_memory_bytes (\d+)/m.exec(answer.body);
  if (!match) throw new Error(`no process_resident_memory_bytes in /metrics (${answer.status})`);
  return Number(match[1]) / MB;
}

/** With `--api-env K=V,K=V`, settings added to the API's environment for this run. */
const API_ENV: Record<string, string> = Object.fromEntries(
  (argValue('--api-env') ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [key, ...value] = pair.split('=');
      return [key, value.join('=')];
    }),
);

interface Started {
  readonly child: ChildProcess;
  readonly readyMs: number;
  readonly output: string[];
}

/** Spawns the API and waits for the first 200 of /health/ready; returns the time it took. */
async function startApi(dataDir: string, port: number): Promise<Started> {
  const output: string[] = [];
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps/api/src/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      PORT: String(port),
      API_KEYS: `analyst:${ANALYST_KEY},auditor:${AUDITOR_KEY},service:${SERVICE_KEY}`,
      RATE_LIMIT_PER_SECOND: '0',
      SLA_POLICIES_FILE: POLICIES_FILE,
      CHARGE_POLICIES_FILE: join(ROOT, 'config/charge-policies.json'),
      RUN_DEADLINE_FOLLOWER: 'false',
      LOG_LEVEL: 'warn',
      ...API_ENV,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  while (performance.now() - started < 60_000) {
    if (exited !== undefined) throw new Error(`the API exited with ${exited} before it was ready:\n${output.join('')}`);
    const answer = await get(port, '/health/ready').catch(() => undefined);
    if (answer?.status === 200) return { child, readyMs: performance.now() - started, output };
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`the API was not ready within 60 s:\n${output.join('')}`);
}

async function stopApi(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
}

/** A DATA_DIR with copies of the store and its read models; with `webhooksAtHead`, an outbox checkpoint at the log's head. */
async function prepareDataDir(dataset: Dataset, viewsPath: string, webhooksAtHead: boolean): Promise<{ path: string; remove(): void }> {
  const dir = tempDir('bench-memory-');
  copyFileSync(dataset.eventsPath, join(dir.path, 'events.db'));
  copyFileSync(viewsPath, join(dir.path, 'views.db'));
  if (webhooksAtHead) {
    const store = SqliteEventStore.open({ path: join(dir.path, 'events.db') });
    const head = (await store.headPosition()) ?? positionOf(-1);
    await store.close();
    // As a server that ran while the events came in leaves it: its outbox has seen every event.
    const webhooks = new WebhookStore(join(dir.path, 'webhooks.db'));
    webhooks.enqueue([], head, () => 'unused', new Date().toISOString());
    webhooks.db.close();
  }
  return dir;
}

/** A mix of what analysts and auditors ask, `rounds` times; returns the month summary's latencies. */
async function queryMix(port: number, rounds: number, ticketIds: string[]): Promise<number[]> {
  const month: number[] = [];
  const check = (answer: Answer, what: string) => {
    if (answer.status !== 200) throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  };
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    check(await get(port, '/v1/views/sla-compliance?groupBy=month', ANALYST_KEY), 'compliance by month');
    month.push(performance.now() - started);
    if (round % 4 === 0) {
      check(await get(port, '/v1/views/sla-compliance?groupBy=policy', ANALYST_KEY), 'compliance by policy');
      check(await get(port, '/v1/views/satisfaction?groupBy=month', ANALYST_KEY), 'satisfaction by month');
      check(await get(port, `/v1/views/sla-compliance/tickets?limit=50&offset=${round * 50}`, ANALYST_KEY), 'clock rows');
      const id = ticketIds[round % ticketIds.length];
      check(await get(port, `/v1/tickets/${id}`, SERVICE_KEY), 'ticket');
      check(await get(port, `/v1/tickets/${id}/history`, AUDITOR_KEY), 'ticket history');
    }
  }
  return month;
}

interface StartMeasure {
  readyMs: number;
  rssMb: number;
  peakRssMb: number;
  idleCpuSeconds: number;
  monthMs: number[];
}

async function measureStart(dataset: Dataset, viewsPath: string, webhooksAtHead: boolean, port: number, rounds: number, idleMs: number): Promise<StartMeasure> {
  const dir = await prepareDataDir(dataset, viewsPath, webhooksAtHead);
  let api: Started | undefined;
  try {
    api = await startApi(dir.path, port);
    const pid = api.child.pid!;
    // Nobody calls it for a moment: what it does now, it does by itself.
    const cpuAtReady = cpuSeconds(pid);
    await sleep(idleMs);
    const idleCpuSeconds = cpuSeconds(pid) - cpuAtReady;
    const ticketIds = Array.from({ length: 8 }, (_, i) => `b0000000-0000-4000-8000-${Math.floor((i * dataset.tickets) / 8).toString(16).padStart(12, '0')}`);
    const monthMs = await queryMix(port, rounds, ticketIds);
    const rssMb = await metricsRssMb(port);
    return { readyMs: api.readyMs, rssMb, peakRssMb: peakRssMb(pid), idleCpuSeconds, monthMs };
  } finally {
    if (api) await stopApi(api.child);
    dir.remove();
  }
}

export async function memoryBenchmark(options: { quick?: boolean; dataset?: Dataset } = {}): Promise<BenchRow[]> {
  const quick = options.quick ?? quickMode();
  const dataset = options.dataset ?? (await ensureDataset(quick ? PROJECTION_TICKETS.quick : PROJECTION_TICKETS.full, { fresh: freshMode() }));
  const viewsPath = await ensureViews(dataset);
  const size = `${dataset.events.toLocaleString('en-US')} events, ${dataset.tickets.toLocaleString('en-US')} tickets`;
  const runs = quick ? 1 : 3;
  const rounds = quick ? 12 : 20;
  const idleMs = quick ? 1500 : 3000;
  const measures: StartMeasure[] = [];
  for (let run = 0; run < runs; run++) {
    const m = await measureStart(dataset, viewsPath, true, await freePort(), rounds, idleMs);
    process.stderr.write(
      `memory run ${run + 1}: ready ${m.readyMs.toFixed(0)} ms, RSS ${m.rssMb.toFixed(0)} MB (peak ${m.peakRssMb.toFixed(0)} MB), idle CPU ${m.idleCpuSeconds.toFixed(2)} s, month summary p50 ${quantile(m.monthMs, 0.5).toFixed(0)} ms\n`,
    );
    measures.push(m);
  }
  const month = measures.flatMap((m) => m.monthMs);
  const rows: BenchRow[] = [
    limitRow(`API RSS after queries, ${size} (${runs} run${runs > 1 ? 's' : ''})`, median(measures.map((m) => m.rssMb)), 'MB', { below: 300 }),
    infoRow(`API peak RSS (VmHWM), ${size}`, median(measures.map((m) => m.peakRssMb)), 'MB'),
    limitRow(`API start-up to /health/ready 200, ${size}`, median(measures.map((m) => m.readyMs)) / 1000, 's', { below: 3 }),
    infoRow(`API CPU while idle ${idleMs / 1000} s after ready, ${size}`, median(measures.map((m) => m.idleCpuSeconds)), 'cpu-s'),
    infoRow(`HTTP compliance summary by month p50, ${size}`, quantile(month, 0.5), 'ms'),
    infoRow(`HTTP compliance summary by month p99, ${size} (${month.length} queries)`, quantile(month, 0.99), 'ms'),
  ];
  // The same start with no webhooks.db: the outbox has no checkpoint yet.
  const fresh = await measureStart(dataset, viewsPath, false, await freePort(), 2, idleMs);
  process.stderr.write(`memory, no webhooks.db: ready ${fresh.readyMs.toFixed(0)} ms, RSS ${fresh.rssMb.toFixed(0)} MB (peak ${fresh.peakRssMb.toFixed(0)} MB), idle CPU ${fresh.idleCpuSeconds.toFixed(2)} s\n`);
  // A DATA_DIR restored from a backup, or a first start of a version with webhooks, is in this state.
  rows.push(limitRow(`API start-up to ready, no webhooks.db (as after a restore), ${size}`, fresh.readyMs / 1000, 's', { below: 3 }));
  rows.push(infoRow(`API CPU while idle ${idleMs / 1000} s after ready, no webhooks.db, ${size}`, fresh.idleCpuSeconds, 'cpu-s'));
  rows.push(limitRow(`API peak RSS, no webhooks.db (as after a restore), ${size}`, fresh.peakRssMb, 'MB', { below: 300 }));
  agent.destroy();
  // Rows measured with --api-env say so in their names.
  const note = Object.entries(API_ENV).map(([key, value]) => `${key}=${value}`).join(' ');
  return note ? rows.map((row) => ({ ...row, name: `${row.name}, API with ${note}` })) : rows;
}

if (require.main === module) runStandalone('memory and start-up benchmark', () => memoryBenchmark());
