/**
 * `npm run bench`: every benchmark of the project, one after the other (never two at once: the
 * machine has 2 cores), each in its own process so that none inherits another's heap or files.
 * Their progress goes to stderr; at the end one table of every row goes to stdout and to
 * bench/results/latest.json (name, value, unit, baseline, ratio, target, pass).
 *
 *   node dist/bench/run-all.js [--quick] [--fresh] [--only store,commands,...]
 *
 * --quick: smaller counts and shorter runs (the row names say the counts), under 3 minutes.
 * --fresh: generate the large store again instead of reusing the one kept in the temp folder.
 * A benchmark that crashes becomes one "not measured" row; the others still run.
 *
 * The benchmarks run from a private copy of dist/ (in the run's temp folder, with node_modules
 * and config linked beside it): `nest build` empties dist/ first, and a build started by someone
 * else during a run of several minutes must not pull the files from under it.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { argValue, freshMode, notMeasuredRow, printTable, quickMode, tempDir, writeResults, type BenchRow } from './bench-support';

interface Benchmark {
  readonly name: string;
  readonly file: string;
  /** Extra arguments in --quick mode. */
  readonly quickArgs?: string[];
  /** Rows from a results file of another shape than `{ rows }` or an array of rows. */
  readonly convert?: (json: unknown) => BenchRow[];
  /** Exit codes that still mean "measured" (the soak benchmark exits 1 when its target fails). */
  readonly measuredExitCodes?: number[];
}

const BENCHMARKS: Benchmark[] = [
  { name: 'store', file: 'store.bench.js' },
  { name: 'emmett', file: 'emmett.bench.js' },
  { name: 'commands', file: 'commands.bench.js' },
  { name: 'projections', file: 'projections.bench.js' },
  { name: 'verify', file: 'verify.bench.js' },
  { name: 'memory', file: 'memory.bench.js' },
  { name: 'soak', file: 'soak.bench.js', quickArgs: ['--seconds', '10'], convert: soakRows, measuredExitCodes: [0, 1] },
];

/** The soak benchmark writes its own summary; its pass line is about memory growth and errors. */
function soakRows(json: unknown): BenchRow[] {
  const r = json as Record<string, number | boolean | undefined>;
  const num = (key: string) => (typeof r[key] === 'number' ? (r[key] as number) : null);
  const seconds = num('seconds');
  const rate = num('targetPathsPerSecond');
  const start = num('rssStartMb');
  const end = num('rssEndMb');
  const growth = start !== null && end !== null ? end - start : null;
  return [
    {
      name: `soak: RSS growth over ${seconds ?? '?'} s at ${rate ?? '?'} fault paths/s (${num('errors') ?? '?'} errors)`,
      value: growth,
      unit: 'MB',
      baseline: start,
      ratio: growth !== null && start ? end! / start : null,
      target: 'soak.bench.ts limit, no errors',
      pass: typeof r.pass === 'boolean' ? r.pass : null,
    },
    { name: 'soak: fault paths/s completed', value: num('pathsPerSecond'), unit: 'paths/s', baseline: rate, ratio: rate ? (num('pathsPerSecond') ?? 0) / rate : null, target: 'report', pass: null },
    { name: 'soak: command latency p99', value: num('p99Ms'), unit: 'ms', baseline: num('p50Ms'), ratio: null, target: 'report', pass: null },
  ];
}

function rowsOf(json: unknown): BenchRow[] {
  if (Array.isArray(json)) return json as BenchRow[];
  const rows = (json as { rows?: unknown }).rows;
  if (Array.isArray(rows)) return rows as BenchRow[];
  throw new Error('the results file holds no rows');
}

const ROOT = resolve(__dirname, '../..');
const NEEDED = ['apps/api/src/main.js', 'apps/cli/src/main.js', 'bench/bench-support.js', 'bench/dataset.js'];

/** A copy of dist/ that no build can empty while the benchmarks run; returns its bench folder. */
async function snapshotDist(into: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    rmSync(join(into, 'dist'), { recursive: true, force: true });
    try {
      cpSync(join(ROOT, 'dist'), join(into, 'dist'), { recursive: true });
      if (NEEDED.every((file) => existsSync(join(into, 'dist', file)))) break;
    } catch {
      // A build emptied dist/ while it was copied: wait for it to finish and copy again.
    }
    if (attempt === 5) throw new Error('dist/ stays incomplete (a build running?); run `npm run build` and try again');
    await new Promise((done) => setTimeout(done, 5000));
  }
  for (const name of ['node_modules', 'config']) symlinkSync(join(ROOT, name), join(into, name));
  return join(into, 'dist', 'bench');
}

function run(bench: Benchmark, benchDir: string, quick: boolean, fresh: boolean, jsonPath: string): Promise<{ code: number | null; seconds: number }> {
  const args = [join(benchDir, bench.file), ...(quick ? ['--quick', ...(bench.quickArgs ?? [])] : []), ...(fresh ? ['--fresh'] : []), '--json', jsonPath];
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: resolve(benchDir, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
    // Progress and each benchmark's own table go to stderr; stdout keeps the one table.
    const forward = (chunk: Buffer) => process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[${bench.name}] `));
    child.stdout!.on('data', forward);
    child.stderr!.on('data', forward);
    child.on('error', fail);
    child.on('exit', (code) => done({ code, seconds: (performance.now() - started) / 1000 }));
  });
}

async function main(): Promise<void> {
  const quick = quickMode();
  const fresh = freshMode();
  const only = argValue('--only')?.split(',').map((name) => name.trim());
  const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));
  if (only && selected.length !== only.length) {
    throw new Error(`--only knows ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  }
  const scratch = tempDir('bench-run-all-');
  mkdirSync(join(scratch.path, 'root'));
  const benchDir = await snapshotDist(join(scratch.path, 'root'));
  const rows: BenchRow[] = [];
  const timings: Record<string, number> = {};
  const started = performance.now();
  try {
    // Only the first benchmark that reads the large store may generate it again.
    let freshLeft = fresh;
    for (const bench of selected) {
      if (!existsSync(join(benchDir, bench.file))) {
        rows.push(notMeasuredRow(bench.name, `${bench.file} is not built`, '-', '-'));
        continue;
      }
      const usesDataset = ['projections', 'verify', 'memory'].includes(bench.name);
      const jsonPath = join(scratch.path, `${bench.name}.json`);
      process.stderr.write(`\n=== ${bench.name} benchmark${quick ? ' (--quick)' : ''} ===\n`);
      const result = await run(bench, benchDir, quick, usesDataset && freshLeft, jsonPath);
      if (usesDataset) freshLeft = false;
      timings[bench.name] = Math.round(result.seconds);
      const measured = (bench.measuredExitCodes ?? [0]).includes(result.code ?? -1) && existsSync(jsonPath);
      if (!measured) {
        rows.push(notMeasuredRow(bench.name, `the benchmark exited with ${result.code} (its output is above)`, '-', '-'));
        continue;
      }
      try {
        const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as unknown;
        rows.push(...(bench.convert ? bench.convert(json) : rowsOf(json)));
      } catch (error) {
        rows.push(notMeasuredRow(bench.name, (error as Error).message, '-', '-'));
      } finally {
        rmSync(jsonPath, { force: true });
      }
    }
  } finally {
    // Unlink the links first, so that removing the copy can never reach what they point at.
    for (const name of ['node_modules', 'config']) rmSync(join(scratch.path, 'root', name), { force: true });
    scratch.remove();
  }
  const seconds = (performance.now() - started) / 1000;
  const failed = rows.filter((r) => r.pass === false).length;
  const unmeasured = rows.filter((r) => r.value === null).length;
  process.stdout.write(`\nbenchmarks${quick ? ' (--quick)' : ''}: ${rows.length} rows, ${failed} failing, ${unmeasured} not measured, ${seconds.toFixed(0)} s (${Object.entries(timings).map(([n, s]) => `${n} ${s} s`).join(', ')})\n`);
  printTable(rows);
  const out = resolve(__dirname, '../../bench/results/latest.json');
  writeResults(out, rows, { at: new Date().toISOString(), quick, seconds: Math.round(seconds), node: process.version, timings });
  process.stdout.write(`written to bench/results/latest.json\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
