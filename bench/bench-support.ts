/** Small shared pieces of the benchmarks: medians, payloads of a fixed size, a table printer, the results file. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The q-quantile (0..1) of a list, nearest rank. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** About 300 bytes of data and 150 of metadata once serialized, like a typical ticket event. */
export function samplePayload(n: number): { data: Record<string, unknown>; metadata: Record<string, unknown> } {
  return {
    data: {
      ticketId: '6f1b4c1f-1a01-4a55-9a55-0b3c3a8e8f2a',
      customerId: `customer-${n % 977}`,
      channel: 'phone',
      kind: 'fault',
      severity: n % 3 === 0 ? 'major' : 'general',
      zone: 'urban',
      summary: 'Core switch in building B drops packets every few minutes; users cannot reach the ERP.',
      policyId: 'it-support-plan',
      policyVersion: 1,
      at: '2026-11-25T10:00:00.000Z',
    },
    metadata: {
      commandId: '1b4c1f1a-01a5-4a55-9a55-6f0b3c3a8e8f',
      correlationId: '3c3a8e8f-2a6f-4b4c-9f1a-01a55a559a55',
      actor: 'service:call-centre',
      schemaVersion: 1,
    },
  };
}

/** A TCP port free on 127.0.0.1 right now (the machine is shared: fixed ports collide). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * One line of a benchmark's answer. `value`, `baseline` and `ratio` are null when the figure
 * could not be measured (the name then says why); `pass` is null when there is no target to judge.
 */
export interface BenchRow {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  readonly baseline: number | null;
  readonly ratio: number | null;
  readonly target: string;
  readonly pass: boolean | null;
}

/** A row measured against a baseline of the same run, judged by `ratio >= min` (or `<= max`). */
export function ratioRow(name: string, value: number, unit: string, baseline: number, target: { min?: number; max?: number }): BenchRow {
  const ratio = value / baseline;
  const pass = (target.min === undefined || ratio >= target.min) && (target.max === undefined || ratio <= target.max);
  const text = target.min !== undefined ? `>= ${target.min} x baseline` : `<= ${target.max} x baseline`;
  return { name, value, unit, baseline, ratio, target: text, pass };
}

/** A row measured against an absolute limit; `baseline` is informative (or null). */
export function limitRow(name: string, value: number, unit: string, limit: { below?: number; atLeast?: number }, baseline: number | null = null): BenchRow {
  const pass = (limit.below === undefined || value < limit.below) && (limit.atLeast === undefined || value >= limit.atLeast);
  const target = limit.below !== undefined ? `< ${limit.below} ${unit}` : `>= ${limit.atLeast} ${unit}`;
  return { name, value, unit, baseline, ratio: baseline ? value / baseline : null, target, pass };
}

/** A figure reported for reading, with no target. */
export function infoRow(name: string, value: number | null, unit: string, baseline: number | null = null): BenchRow {
  return { name, value, unit, baseline, ratio: value !== null && baseline ? value / baseline : null, target: 'report', pass: null };
}

/** A row that could not be measured: the reason is in the name. */
export function notMeasuredRow(name: string, reason: string, unit: string, target: string): BenchRow {
  return { name: `${name}: not measured: ${reason}`, value: null, unit, baseline: null, ratio: null, target, pass: null };
}

function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '-';
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function printTable(rows: readonly BenchRow[], out: NodeJS.WritableStream = process.stdout): void {
  const header = ['benchmark', 'value', 'unit', 'baseline', 'ratio', 'target', 'pass'];
  const cells = rows.map((r) => [
    r.name,
    formatNumber(r.value),
    r.unit,
    formatNumber(r.baseline),
    r.ratio === null ? '-' : r.ratio.toFixed(2),
    r.target,
    r.pass === null ? (r.value === null ? 'n/a' : '-') : r.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i >= 1 && i <= 4 && i !== 2 ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  out.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${cells.map(line).join('\n')}\n`);
}

export function writeResults(path: string, rows: readonly BenchRow[], extra: Record<string, unknown> = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ ...extra, rows }, null, 2)}\n`);
}

/**
 * Every option the benchmarks take, parsed by node:util's parseArgs: an unknown option or one
 * without its value stops the run with the library's message instead of being ignored.
 * Positionals are left to the helper scripts that take them (profile, raw-server, rebuild-child).
 */
const BENCH_OPTIONS = {
  quick: { type: 'boolean' },
  fresh: { type: 'boolean' },
  json: { type: 'string' },
  only: { type: 'string' },
  'api-env': { type: 'string' },
  'cpu-prof': { type: 'string' },
  seconds: { type: 'string' },
  rate: { type: 'string' },
  'max-rss-growth-mb': { type: 'string' },
} as const;

let parsed: ReturnType<typeof parseBenchArgs> | undefined;
function parseBenchArgs() {
  return parseArgs({ args: process.argv.slice(2), options: BENCH_OPTIONS, strict: true, allowPositionals: true }).values;
}

/** The benchmark's command-line options, parsed once. */
export function benchArgs(): ReturnType<typeof parseBenchArgs> {
  return (parsed ??= parseBenchArgs());
}

export const quickMode = (): boolean => benchArgs().quick === true;
export const freshMode = (): boolean => benchArgs().fresh === true;

/** A string option's value (`argValue('--json')`), undefined when not given. */
export function argValue(name: `--${keyof typeof BENCH_OPTIONS}`): string | undefined {
  const value = benchArgs()[name.slice(2) as keyof typeof BENCH_OPTIONS];
  return typeof value === 'string' ? value : undefined;
}

/** A positive number option, or `fallback` when not given. */
export function numberArg(name: `--${keyof typeof BENCH_OPTIONS}`, fallback: number): number {
  const text = argValue(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number, not ${text}`);
  return value;
}

/** Runs a benchmark as a program: prints its table and, with `--json <file>`, writes its rows. */
export function runStandalone(title: string, benchmark: () => Promise<BenchRow[]>): void {
  const started = performance.now();
  benchmark()
    .then((rows) => {
      process.stdout.write(`\n${title}${quickMode() ? ' (--quick)' : ''}, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
      printTable(rows);
      const json = argValue('--json');
      if (json) writeResults(json, rows, { benchmark: title, quick: quickMode(), at: new Date().toISOString() });
    })
    .catch((error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
