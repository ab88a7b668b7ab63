/**
 * The commands benchmark: the full fault path driven over HTTP by 32 concurrent clients against
 * the real API (a child process on the embedded store), against a bare Fastify route that inserts
 * one row into SQLite per request, in the same run, at the same synchronous setting.
 * Usage: node dist/bench/commands.bench.js [--quick] [--json <file>]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { median, printTable, tempDir, type BenchRow } from './bench-support';
import { runLoad, type LoadResult, type Send } from './http-load';

const quick = process.argv.includes('--quick');
const CONCURRENCY = 32;
const RUNS = 3;
const DURATION_MS = quick ? 4000 : 10000;
const WARM_UP_MS = 1000;
const SYNCHRONOUS = process.env.SQLITE_SYNCHRONOUS ?? 'FULL';
const KEY = 'service-bench-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

function start(script: string, args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [resolve(__dirname, script), ...args], {
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

async function measureApi(port: number): Promise<LoadResult> {
  const dir = tempDir('bench-commands-');
  const app = await start('../apps/api/src/main.js', [], {
    DATA_DIR: dir.path,
    PORT: String(port),
    API_KEYS: `service:${KEY}`,
    RATE_LIMIT_PER_SECOND: '0',
    SQLITE_SYNCHRONOUS: SYNCHRONOUS,
    SLA_POLICIES_FILE: resolve(__dirname, '../../config/sla-policies.json'),
    LOG_LEVEL: 'info',
  });
  try {
    await runLoad(`http://127.0.0.1:${port}`, CONCURRENCY, WARM_UP_MS, faultPath);
    return await runLoad(`http://127.0.0.1:${port}`, CONCURRENCY, DURATION_MS, faultPath);
  } finally {
    await stop(app);
    dir.remove();
  }
}

async function measureRaw(port: number): Promise<LoadResult> {
  const dir = tempDir('bench-raw-');
  const raw = await start('raw-server.js', [join(dir.path, 'raw.db'), String(port), SYNCHRONOUS], {});
  try {
    await runLoad(`http://127.0.0.1:${port}`, CONCURRENCY, WARM_UP_MS, rawPath);
    return await runLoad(`http://127.0.0.1:${port}`, CONCURRENCY, DURATION_MS, rawPath);
  } finally {
    await stop(raw);
    dir.remove();
  }
}

export async function commandsBenchmark(): Promise<BenchRow[]> {
  const api: LoadResult[] = [];
  const raw: LoadResult[] = [];
  for (let run = 0; run < RUNS; run++) {
    const port = 41000 + run * 2;
    if (run % 2 === 0) {
      raw.push(await measureRaw(port + 1));
      api.push(await measureApi(port));
    } else {
      api.push(await measureApi(port));
      raw.push(await measureRaw(port + 1));
    }
  }
  for (const [name, results] of [['api', api], ['raw', raw]] as const) {
    for (const r of results) {
      process.stderr.write(`${name}: ${r.perSecond.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors\n`);
    }
  }
  const rate = median(api.map((r) => r.perSecond));
  const baseline = median(raw.map((r) => r.perSecond));
  const p50 = median(api.map((r) => r.p50Ms));
  const p99 = median(api.map((r) => r.p99Ms));
  const rawP99 = median(raw.map((r) => r.p99Ms));
  return [
    {
      name: `commands/s, full fault path, ${CONCURRENCY} clients, synchronous=${SYNCHRONOUS}`,
      value: rate,
      unit: 'commands/s',
      baseline,
      ratio: rate / baseline,
      target: '>= 0.50 of raw route',
      pass: rate / baseline >= 0.5,
    },
    { name: 'command latency p50', value: p50, unit: 'ms', baseline: median(raw.map((r) => r.p50Ms)), ratio: p50 / median(raw.map((r) => r.p50Ms)), target: 'report', pass: true },
    { name: 'command latency p99', value: p99, unit: 'ms', baseline: rawP99, ratio: p99 / rawP99, target: '< 25 ms', pass: p99 < 25 },
  ];
}

if (require.main === module) {
  commandsBenchmark()
    .then((rows) => {
      printTable(rows);
      const jsonAt = process.argv.indexOf('--json');
      if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1], JSON.stringify(rows, null, 2));
    })
    .catch((error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
