/** Small shared pieces of the benchmarks: medians, payloads of a fixed size, a table printer. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  readonly ratio: number;
  readonly target: string;
  readonly pass: boolean;
}

export function printTable(rows: readonly BenchRow[]): void {
  const header = ['benchmark', 'value', 'unit', 'baseline', 'ratio', 'target', 'pass'];
  const cells = rows.map((r) => [r.name, r.value.toFixed(0), r.unit, r.baseline.toFixed(0), r.ratio.toFixed(2), r.target, r.pass ? 'pass' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${cells.map(line).join('\n')}\n`);
}
