/**
 * Side by side in one run: our EventStore port on SQLite, raw better-sqlite3, and Emmett SQLite
 * 0.38.5 (a dev dependency of the benchmarks only), on the same workload: 32 concurrent appenders,
 * each appending to its own streams, the same events (about 300 bytes of data, 150 of metadata),
 * one event and three events per append, every append with an exact expected revision, at
 * synchronous NORMAL and FULL. The raw baseline is one transaction per append.
 * Target: the port appends at least 10x Emmett SQLite's rate.
 *
 * How Emmett is driven: Emmett's `appendToStream` (its append: stream row, expected version,
 * messages insert, one BEGIN IMMEDIATE transaction) on one kept `sqliteConnection` per file, with
 * `PRAGMA synchronous` set like the others, the 32 appenders taking turns on it. That is the best
 * case Emmett allows here, measured so: `getSQLiteEventStore` opens and closes a connection on
 * every call (the last close checkpoints the WAL), one store shared by concurrent callers closes
 * the connection under the others (SQLITE_MISUSE), and 32 connections deadlock the 4 libuv threads
 * on SQLite's busy wait (SQLITE_BUSY). The shared-store case is printed as a figure for reading.
 * Usage: node dist/bench/emmett.bench.js [--quick] [--json <file>]
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SqliteEventStore, type SqliteSynchronous } from '@app/event-store';
import { timeOrderedUuid } from '../libs/event-store/src/append-validation';
import { SCHEMA } from '../libs/event-store/src/sqlite/schema';
import { infoRow, median, notMeasuredRow, quickMode, ratioRow, runStandalone, samplePayload, tempDir, type BenchRow } from './bench-support';

export const EMMETT_VERSION = '0.38.5';
const APPENDERS = 32;
const STREAMS_PER_APPENDER = 20;

/** The part of @event-driven-io/emmett-sqlite the benchmark calls. */
interface EmmettConnection {
  close(): void;
  command(sql: string, values?: unknown[]): Promise<unknown>;
}
interface EmmettEvent {
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}
interface EmmettSqlite {
  sqliteConnection(options: { fileName: string }): EmmettConnection;
  createEventStoreSchema(connection: EmmettConnection): Promise<void>;
  appendToStream(
    connection: EmmettConnection,
    stream: string,
    streamType: string,
    events: EmmettEvent[],
    options?: { expectedStreamVersion?: bigint },
  ): Promise<{ success: boolean }>;
  getSQLiteEventStore(options: { fileName: string }): {
    appendToStream(stream: string, events: EmmettEvent[], options?: { expectedStreamVersion?: bigint }): Promise<unknown>;
  };
}

function loadEmmett(): { ok: true; emmett: EmmettSqlite } | { ok: false; reason: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const emmett = require('@event-driven-io/emmett-sqlite') as EmmettSqlite;
    // The package's exports leave out package.json: read it beside the entry point.
    const entry = require.resolve('@event-driven-io/emmett-sqlite');
    const version = (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
    if (version !== EMMETT_VERSION) return { ok: false, reason: `found Emmett SQLite ${version}, the comparison is pinned to ${EMMETT_VERSION}` };
    return { ok: true, emmett };
  } catch (error) {
    return { ok: false, reason: `Emmett SQLite does not load: ${(error as Error).message.split('\n')[0]}` };
  }
}

interface Workload {
  readonly synchronous: SqliteSynchronous;
  readonly perAppend: number;
  readonly durationMs: number;
}

type Measured = { events: number; seconds: number; errors: number };

const payloads = Array.from({ length: 64 }, (_, n) => {
  const { data, metadata } = samplePayload(n);
  return { data, metadata, dataJson: JSON.stringify(data), metadataJson: JSON.stringify(metadata) };
});

/** Runs `append` on APPENDERS concurrent loops until the deadline; counts events appended. */
async function drive(
  durationMs: number,
  perAppend: number,
  append: (appender: number, stream: string, revision: number, n: number) => Promise<void | false>,
): Promise<Measured> {
  let events = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: APPENDERS }, async (_, appender) => {
      const revisions = new Array<number>(STREAMS_PER_APPENDER).fill(-1);
      for (let n = 0; performance.now() < deadline; n++) {
        const slot = n % STREAMS_PER_APPENDER;
        try {
          if ((await append(appender, `ticket-a${appender}s${slot}`, revisions[slot], n)) === false) {
            errors += 1;
            continue;
          }
          revisions[slot] += perAppend;
          events += perAppend;
        } catch (error) {
          errors += 1;
          if (errors === 1) process.stderr.write(`append failed: ${(error as Error).message}\n`);
          if (errors > 1000) throw error;
        }
      }
    }),
  );
  return { events, seconds: (performance.now() - started) / 1000, errors };
}

async function viaPort(file: string, w: Workload): Promise<Measured> {
  const store = SqliteEventStore.open({ path: file, synchronous: w.synchronous });
  try {
    return await drive(w.durationMs, w.perAppend, async (_appender, stream, revision, n) => {
      const events = Array.from({ length: w.perAppend }, (_, i) => ({ type: 'TicketReported', data: payloads[(n + i) % 64].data, metadata: payloads[(n + i) % 64].metadata }));
      await store.append(stream, events, { expectedRevision: revision < 0 ? 'no_stream' : revision });
    });
  } finally {
    await store.close();
  }
}

async function viaRaw(file: string, w: Workload): Promise<Measured> {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${w.synchronous}`);
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const last = db.prepare<[string], { revision: number }>('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1');
  let position = 0;
  // One transaction per append, with the same revision check as an append through the port.
  const write = db.transaction((stream: string, expected: number, n: number) => {
    const current = last.get(stream)?.revision ?? -1;
    if (current !== expected) throw new Error(`${stream}: expected ${expected}, found ${current}`);
    const recordedAt = new Date().toISOString();
    for (let i = 0; i < w.perAppend; i++) {
      const p = payloads[(n + i) % 64];
      insert.run(position++, timeOrderedUuid(Date.now()), stream, expected + 1 + i, 'TicketReported', JSON.stringify(p.data), JSON.stringify(p.metadata), recordedAt);
    }
  });
  try {
    return await drive(w.durationMs, w.perAppend, async (_appender, stream, revision, n) => {
      write.immediate(stream, revision, n);
      // The port's append is async; give every raw appender the same turn of the event loop.
      await Promise.resolve();
    });
  } finally {
    db.close();
  }
}

async function viaEmmett(emmett: EmmettSqlite, file: string, w: Workload): Promise<Measured> {
  const connection = emmett.sqliteConnection({ fileName: file });
  await connection.command('PRAGMA busy_timeout = 5000');
  await connection.command(`PRAGMA synchronous = ${w.synchronous}`);
  await emmett.createEventStoreSchema(connection);
  // Emmett's connection nests transactions by a counter, so appends on one connection must take turns.
  let turn: Promise<unknown> = Promise.resolve();
  const quiet = silenceConsoleLog();
  try {
    return await drive(w.durationMs, w.perAppend, (_appender, stream, revision, n) => {
      const mine = turn.then(async () => {
        const events = Array.from({ length: w.perAppend }, (_, i) => ({ type: 'TicketReported', data: payloads[(n + i) % 64].data, metadata: payloads[(n + i) % 64].metadata }));
        const result = await emmett.appendToStream(connection, stream, 'ticket', events, { expectedStreamVersion: BigInt(revision + 1) });
        if (!result.success) throw new Error(`Emmett refused the append to ${stream} at version ${revision + 1}`);
      });
      turn = mine.catch(() => undefined);
      return mine;
    });
  } finally {
    quiet.restore();
    connection.close();
  }
}

/** Emmett's event store API as an application would share it: one store, every appender on it. */
async function viaEmmettSharedStore(emmett: EmmettSqlite, file: string, w: Workload): Promise<Measured> {
  const store = emmett.getSQLiteEventStore({ fileName: file });
  const quiet = silenceConsoleLog();
  try {
    return await drive(w.durationMs, w.perAppend, async (_appender, stream, revision, n) => {
      const events = Array.from({ length: w.perAppend }, (_, i) => ({ type: 'TicketReported', data: payloads[(n + i) % 64].data, metadata: payloads[(n + i) % 64].metadata }));
      // A failed append is counted and the appender goes on with its next one.
      return store.appendToStream(stream, events, { expectedStreamVersion: BigInt(revision + 1) }).then(
        () => undefined,
        () => false as const,
      );
    });
  } finally {
    quiet.restore();
  }
}

/** Emmett's transaction wrapper console.logs every error; keep the benchmark's output readable. */
function silenceConsoleLog(): { restore(): void } {
  const original = console.log;
  console.log = () => undefined;
  return { restore: () => (console.log = original) };
}

export async function emmettBenchmark(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = options.quick ?? quickMode();
  // Three short runs rather than one longer: on a shared machine one run can land on a stall.
  const runs = 3;
  const durationMs = quick ? 700 : 3000;
  const loaded = loadEmmett();
  const rows: BenchRow[] = [];
  const sample = payloads[0];
  process.stderr.write(`store side by side: ${APPENDERS} appenders, event data ${sample.dataJson.length} B, metadata ${sample.metadataJson.length} B, ${runs} run(s) of ${durationMs} ms\n`);
  for (const synchronous of ['NORMAL', 'FULL'] as const) {
    for (const perAppend of [1, 3]) {
      const w: Workload = { synchronous, perAppend, durationMs };
      const results: Record<'port' | 'raw' | 'emmett', number[]> = { port: [], raw: [], emmett: [] };
      for (let run = 0; run < runs; run++) {
        const sides = (['raw', 'port', 'emmett'] as const).filter((side) => side !== 'emmett' || loaded.ok);
        // Rotate the order so that no side always runs first on a cold file system.
        const order = sides.map((_, i) => sides[(i + run) % sides.length]);
        for (const side of order) {
          const dir = tempDir('bench-side-');
          const file = join(dir.path, 'events.db');
          try {
            const measured =
              side === 'port' ? await viaPort(file, w) : side === 'raw' ? await viaRaw(file, w) : await viaEmmett((loaded as { emmett: EmmettSqlite }).emmett, file, w);
            if (measured.errors > 0) throw new Error(`${side}: ${measured.errors} appends failed`);
            results[side].push(measured.events / measured.seconds);
          } finally {
            dir.remove();
          }
        }
      }
      const label = `${perAppend} event${perAppend > 1 ? 's' : ''}/append, ${APPENDERS} appenders, synchronous=${synchronous}`;
      const port = median(results.port);
      const raw = median(results.raw);
      process.stderr.write(`${label}: port ${port.toFixed(0)}, raw ${raw.toFixed(0)}${loaded.ok ? `, Emmett ${median(results.emmett).toFixed(0)}` : ''} events/s\n`);
      if (loaded.ok) rows.push(ratioRow(`port vs Emmett SQLite ${EMMETT_VERSION}, ${label}`, port, 'events/s', median(results.emmett), { min: 10 }));
      else rows.push(notMeasuredRow(`port vs Emmett SQLite ${EMMETT_VERSION}, ${label}`, loaded.reason, 'events/s', '>= 10 x baseline'));
      rows.push(infoRow(`port vs raw better-sqlite3 (1 tx/append), ${label}`, port, 'events/s', raw));
    }
  }
  if (loaded.ok) {
    const dir = tempDir('bench-side-');
    try {
      const w: Workload = { synchronous: 'FULL', perAppend: 1, durationMs: 1000 };
      const shared = await viaEmmettSharedStore(loaded.emmett, join(dir.path, 'events.db'), w);
      rows.push(infoRow(`Emmett getSQLiteEventStore shared by ${APPENDERS} appenders, FULL (${shared.errors} of ${shared.errors + shared.events} appends failed)`, shared.events / shared.seconds, 'events/s'));
    } finally {
      dir.remove();
    }
  }
  return rows;
}

if (require.main === module) runStandalone('store side by side (port, raw, Emmett)', () => emmettBenchmark());
