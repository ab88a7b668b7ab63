/**
 * The soak benchmark: the full fault path (report, acknowledge, dispatch, arrive, restore, incident
 * report, close) started at a constant rate against the real API (a child process on the embedded
 * store, with its live projections), for a fixed time. It reports throughput, latency, errors, the
 * projections' lag and the server's resident memory at the start and the end, and passes when the
 * memory did not grow by more than the allowed amount.
 *
 * Usage: node dist/bench/soak.bench.js [--seconds N] [--quick] [--rate PATHS_PER_SECOND]
 *        [--max-rss-growth-mb MB] [--json <file>]
 * (`npm run bench:soak` builds first.) Defaults: 120 s, 100 fault paths/s, 100 MB; --quick is 20 s.
 * Not a test: it is never part of `npm test`, and its pass line is about memory, not speed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { argValue, freePort, numberArg, quickMode, tempDir } from './bench-support';
import { nodeHttpClient, type Client, type HttpAnswer } from './http-load';

const quick = quickMode();
const SECONDS = numberArg('--seconds', quick ? 20 : 120);
const RATE = numberArg('--rate', 100);
const MAX_RSS_GROWTH_MB = numberArg('--max-rss-growth-mb', 100);
/** Load before the "start" figures are taken, so that start-up and JIT warm-up do not count as growth. */
const WARM_UP_SECONDS = Math.min(10, Math.max(2, Math.round(SECONDS / 10)));
/** Paths in flight at most; a path due while the server is this far behind is counted as not started. */
const MAX_IN_FLIGHT = 1000;
const SAMPLE_EVERY_MS = 5000;
const KEY = 'service-soak-key-0123456789';

const connections = new Map<number, Client>();

/** A request to the API on `port` with the service key, over node:http's kept-alive connections. */
function send(port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  let client = connections.get(port);
  if (!client) connections.set(port, (client = nodeHttpClient(`http://127.0.0.1:${port}`, 256)));
  return client.send(method, path, body === undefined ? undefined : JSON.stringify(body), { authorization: `Bearer ${KEY}`, ...headers });
}

function startApi(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [resolve(__dirname, '../apps/api/src/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      API_KEYS: `service:${KEY}`,
      RATE_LIMIT_PER_SECOND: '0',
      LOG_LEVEL: 'warn',
      SLA_POLICIES_FILE: resolve(__dirname, '../../config/sla-policies.json'),
      CHARGE_POLICIES_FILE: resolve(__dirname, '../../config/charge-policies.json'),
      RUN_WEBHOOKS: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolveStart, reject) => {
    const deadline = Date.now() + 30_000;
    child.on('exit', (code) => reject(new Error(`the API exited with ${code} before it was ready`)));
    const poll = async () => {
      try {
        if ((await send(port, 'GET', '/health/ready')).status === 200) return resolveStart(child);
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) return reject(new Error('the API was not ready within 30 s'));
      setTimeout(poll, 100);
    };
    void poll();
  });
}

interface Sample {
  readonly second: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly lag: Record<string, number>;
  readonly head: number;
}

/** RSS, heap, store head and each projection's lag, from the server's /metrics. */
async function sample(port: number, second: number): Promise<Sample> {
  const text = (await send(port, 'GET', '/metrics')).body;
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const lag: Record<string, number> = {};
  for (const match of text.matchAll(/^ticket_engine_projection_lag_positions\{projection="([^"]+)"\} (\S+)$/gm)) lag[match[1]] = Number(match[2]);
  return {
    second,
    rssMb: gauge('process_resident_memory_bytes') / 2 ** 20,
    heapMb: gauge('nodejs_heap_size_used_bytes') / 2 ** 20,
    lag,
    head: gauge('ticket_engine_store_head_position'),
  };
}

const PATH: ReadonlyArray<[string, (n: number) => Record<string, unknown>]> = [
  ['acknowledge', () => ({ by: 'desk-7', note: 'engineer on the way' })],
  ['dispatch', (n) => ({ engineerId: `eng-${n % 40}`, tier: 'onsite' })],
  ['arrive', (n) => ({ engineerId: `eng-${n % 40}` })],
  ['restore', (n) => ({ by: `eng-${n % 40}`, resolution: 'replaced the line card' })],
  ['report', (n) => ({ faultType: 'hardware', cause: 'line card', method: 'swap', loss: 'none', by: `eng-${n % 40}` })],
  ['close', () => ({ by: 'desk-7' })],
];

interface Stats {
  commands: number;
  errors: number;
  pathsStarted: number;
  pathsCompleted: number;
  pathsNotStarted: number;
  latencies: number[];
  firstError?: string;
}

async function faultPath(port: number, n: number, stats: Stats): Promise<void> {
  const ticketId = randomUUID();
  const steps: Array<[string, Record<string, unknown>]> = [
    [
      '/v1/tickets',
      { ticketId, customerId: `customer-${n % 500}`, channel: 'phone', kind: 'fault', severity: n % 3 === 0 ? 'major' : 'general', zone: 'urban', summary: 'Core switch drops packets' },
    ],
    ...PATH.map(([verb, body]): [string, Record<string, unknown>] => [`/v1/tickets/${ticketId}/${verb}`, body(n)]),
  ];
  for (const [path, body] of steps) {
    const started = performance.now();
    let status = 0;
    try {
      const answer = await send(port, 'POST', path, body, { 'idempotency-key': randomUUID() });
      status = answer.status;
      if (status >= 300) stats.firstError ??= `${path} answered ${status}: ${answer.body.slice(0, 200)}`;
    } catch (error) {
      stats.firstError ??= `${path}: ${(error as Error).message}`;
    }
    stats.latencies.push(performance.now() - started);
    stats.commands += 1;
    if (status < 200 || status >= 300) {
      stats.errors += 1;
      return;
    }
  }
  stats.pathsCompleted += 1;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const mb = (value: number) => `${value.toFixed(1)} MB`;
const lagText = (lag: Record<string, number>) =>
  Object.entries(lag)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ') || 'n/a';

async function soak(): Promise<boolean> {
  const dir = tempDir('bench-soak-');
  const port = await freePort();
  const api = await startApi(port, dir.path);
  const stats: Stats = { commands: 0, errors: 0, pathsStarted: 0, pathsCompleted: 0, pathsNotStarted: 0, latencies: [] };
  const inFlight = new Set<Promise<void>>();
  const samples: Sample[] = [];
  try {
    const idle = await sample(port, 0);
    process.stdout.write(
      `soak: ${RATE} fault paths/s (${RATE * 7} commands/s) for ${SECONDS} s after ${WARM_UP_SECONDS} s of warm-up; pass when RSS grows < ${MAX_RSS_GROWTH_MB} MB\n` +
        `idle: RSS ${mb(idle.rssMb)}, heap ${mb(idle.heapMb)}\n`,
    );

    /** Starts paths at RATE per second until `untilMs`, ticking every 10 ms. */
    const drive = async (fromMs: number, untilMs: number, onTick: (now: number) => Promise<void>) => {
      let due = 0;
      for (let now = performance.now(); now < untilMs; now = performance.now()) {
        const owed = Math.floor(((now - fromMs) / 1000) * RATE) - due;
        for (let i = 0; i < owed; i++) {
          due += 1;
          if (inFlight.size >= MAX_IN_FLIGHT) {
            stats.pathsNotStarted += 1;
            continue;
          }
          stats.pathsStarted += 1;
          const running: Promise<void> = faultPath(port, stats.pathsStarted, stats).finally(() => inFlight.delete(running));
          inFlight.add(running);
        }
        await onTick(now);
        await sleep(10);
      }
    };

    const warmStart = performance.now();
    await drive(warmStart, warmStart + WARM_UP_SECONDS * 1000, async () => undefined);
    const start = await sample(port, 0);
    const baseline = { ...stats, latencies: stats.latencies.length };
    process.stdout.write(`start (after warm-up): RSS ${mb(start.rssMb)}, heap ${mb(start.heapMb)}, lag ${lagText(start.lag)}\n`);

    const measureStart = performance.now();
    let nextSample = measureStart + SAMPLE_EVERY_MS;
    await drive(measureStart, measureStart + SECONDS * 1000, async (now) => {
      if (now < nextSample) return;
      nextSample += SAMPLE_EVERY_MS;
      const s = await sample(port, Math.round((now - measureStart) / 1000));
      samples.push(s);
      process.stdout.write(`  ${String(s.second).padStart(4)} s: RSS ${mb(s.rssMb)}, heap ${mb(s.heapMb)}, head ${s.head}, lag ${lagText(s.lag)}, in flight ${inFlight.size}\n`);
    });
    const measuredSeconds = (performance.now() - measureStart) / 1000;
    await Promise.all([...inFlight]);
    const end = await sample(port, Math.round(measuredSeconds));

    // How long the projections take to catch up once the load stops.
    const drainStart = performance.now();
    let caughtUp = end;
    while (Object.values(caughtUp.lag).some((lag) => lag > 0) && performance.now() - drainStart < 60_000) {
      await sleep(100);
      caughtUp = await sample(port, 0);
    }
    const catchUpSeconds = (performance.now() - drainStart) / 1000;

    const latencies = stats.latencies.slice(baseline.latencies).sort((a, b) => a - b);
    const commands = stats.commands - baseline.commands;
    const errors = stats.errors - baseline.errors;
    const completed = stats.pathsCompleted - baseline.pathsCompleted;
    const maxLag = Math.max(0, ...samples.flatMap((s) => Object.values(s.lag)), ...Object.values(end.lag));
    const growth = end.rssMb - start.rssMb;
    const pass = growth < MAX_RSS_GROWTH_MB && errors === 0;
    const result = {
      seconds: Number(measuredSeconds.toFixed(1)),
      targetPathsPerSecond: RATE,
      pathsPerSecond: Number((completed / measuredSeconds).toFixed(1)),
      commandsPerSecond: Number((commands / measuredSeconds).toFixed(1)),
      p50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
      p99Ms: Number(percentile(latencies, 0.99).toFixed(1)),
      errors,
      pathsNotStarted: stats.pathsNotStarted,
      maxLag,
      lagAtEnd: end.lag,
      catchUpSeconds: Number(catchUpSeconds.toFixed(1)),
      rssStartMb: Number(start.rssMb.toFixed(1)),
      rssEndMb: Number(end.rssMb.toFixed(1)),
      heapStartMb: Number(start.heapMb.toFixed(1)),
      heapEndMb: Number(end.heapMb.toFixed(1)),
      pass,
    };
    process.stdout.write(
      [
        `measured ${result.seconds} s`,
        `throughput: ${result.pathsPerSecond} fault paths/s of ${RATE} targeted, ${result.commandsPerSecond} commands/s`,
        `latency per command: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`,
        `errors: ${errors}${stats.firstError ? ` (first: ${stats.firstError})` : ''}; paths not started (over ${MAX_IN_FLIGHT} in flight): ${stats.pathsNotStarted}`,
        `projection lag: max ${maxLag} events, at the end ${lagText(end.lag)}, caught up ${catchUpSeconds.toFixed(1)} s after the load stopped`,
        `RSS: start ${mb(start.rssMb)}, end ${mb(end.rssMb)} (${growth >= 0 ? '+' : ''}${mb(growth)}); heap: start ${mb(start.heapMb)}, end ${mb(end.heapMb)}`,
        `${pass ? 'PASS' : 'FAIL'}: RSS grew ${mb(growth)} (limit ${MAX_RSS_GROWTH_MB} MB), ${errors} errors`,
      ].join('\n') + '\n',
    );
    const json = argValue('--json');
    if (json) writeFileSync(json, JSON.stringify({ ...result, samples }, null, 2));
    return pass;
  } finally {
    for (const client of connections.values()) await client.close();
    connections.clear();
    api.removeAllListeners('exit');
    const exited = new Promise((done) => api.once('exit', done));
    api.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000).then(() => api.kill('SIGKILL'))]);
    dir.remove();
  }
}

if (require.main === module) {
  soak()
    .then((pass) => process.exit(pass ? 0 : 1))
    .catch((error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
