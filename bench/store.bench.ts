/**
 * The store benchmark: appends through the EventStore port to SQLite against the same rows
 * inserted by raw better-sqlite3 statements, in the same run, at synchronous NORMAL and FULL,
 * one event per append and batches of 100. Prints events/s (median of 3 runs) and the ratio.
 * Usage: node dist/bench/store.bench.js [--quick] [--json <file>]
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SqliteEventStore, type SqliteSynchronous } from '@app/event-store';
import { timeOrderedUuid } from '../libs/event-store/src/append-validation';
import { SCHEMA } from '../libs/event-store/src/sqlite/schema';
import { median, quickMode, runStandalone, samplePayload, tempDir, type BenchRow } from './bench-support';

interface Shape {
  readonly label: string;
  readonly perAppend: number;
  readonly appends: number;
}

const quick = quickMode();
const RUNS = 3;
const shapes: Shape[] = [
  { label: '1 event/append', perAppend: 1, appends: quick ? 1500 : 4000 },
  { label: '100 events/append', perAppend: 100, appends: quick ? 200 : 500 },
];
const STREAMS = 100;

async function viaPort(path: string, synchronous: SqliteSynchronous, shape: Shape): Promise<number> {
  const store = SqliteEventStore.open({ path, synchronous });
  const started = performance.now();
  for (let a = 0; a < shape.appends; a++) {
    const events = Array.from({ length: shape.perAppend }, (_, i) => ({ type: 'TicketReported', ...samplePayload(a * shape.perAppend + i) }));
    await store.append(`ticket-${a % STREAMS}`, events);
  }
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return (shape.appends * shape.perAppend) / seconds;
}

async function viaRaw(path: string, synchronous: SqliteSynchronous, shape: Shape): Promise<number> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(SCHEMA);
  const insert = db.prepare(
    'INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const revisions = new Map<string, number>();
  let position = 0;
  const write = db.transaction((stream: string, rows: { data: string; metadata: string }[]) => {
    let revision = revisions.get(stream) ?? -1;
    const recordedAt = new Date().toISOString();
    for (const row of rows) insert.run(position++, timeOrderedUuid(Date.now()), stream, ++revision, 'TicketReported', row.data, row.metadata, recordedAt);
    revisions.set(stream, revision);
  });
  const started = performance.now();
  for (let a = 0; a < shape.appends; a++) {
    const rows = Array.from({ length: shape.perAppend }, (_, i) => {
      const payload = samplePayload(a * shape.perAppend + i);
      return { data: JSON.stringify(payload.data), metadata: JSON.stringify(payload.metadata) };
    });
    write.immediate(`ticket-${a % STREAMS}`, rows);
    // The port's append is async; give the raw loop the same turn of the event loop.
    await Promise.resolve();
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return (shape.appends * shape.perAppend) / seconds;
}

export async function storeBenchmark(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const synchronous of ['NORMAL', 'FULL'] as const) {
    for (const shape of shapes) {
      const port: number[] = [];
      const raw: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        // Alternate the order so that neither side always runs on a warmer machine.
        const order = run % 2 === 0 ? ['raw', 'port'] : ['port', 'raw'];
        for (const side of order) {
          const dir = tempDir('bench-store-');
          const file = join(dir.path, 'events.db');
          if (side === 'raw') raw.push(await viaRaw(file, synchronous, shape));
          else port.push(await viaPort(file, synchronous, shape));
          dir.remove();
        }
      }
      const value = median(port);
      const baseline = median(raw);
      rows.push({
        name: `store append ${shape.label}, synchronous=${synchronous}`,
        value,
        unit: 'events/s',
        baseline,
        ratio: value / baseline,
        target: '>= 0.70 of raw',
        pass: value / baseline >= 0.7,
      });
    }
  }
  return rows;
}

if (require.main === module) runStandalone('store benchmark', () => storeBenchmark());
