import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { chainEvents, type RecordedEvent } from '@app/event-store';
import { SCHEMA, SCHEMA_VERSION } from '../../libs/event-store/src/sqlite/schema';

export interface ChainedStoreOptions {
  /** Events to write in all. */
  readonly events: number;
  /** Streams they are spread over, round robin (so the streams interleave in the log). */
  readonly streams: number;
  /** Characters of filler text in each event's data: makes a store of a given size. */
  readonly fillerChars?: number;
}

/**
 * Writes an embedded event store straight into its file, much faster than through the port: events
 * in `note-<n>` streams (no projection, webhook or deadline looks at them), with the metadata the
 * command runner writes and a valid hash chain per stream, so that verify does the real work. The
 * rows are written as the SQLite adapter writes them (JSON text, ISO times, WAL mode).
 */
export function writeChainedStore(path: string, options: ChainedStoreOptions): { events: number; head: number } {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const insert = db.prepare('INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const filler = 'x'.repeat(options.fillerChars ?? 0);
    const last: Array<{ revision: number; hash: string } | undefined> = new Array(options.streams);
    const recordedAt = new Date().toISOString();
    const writeChunk = db.transaction((from: number, to: number) => {
      for (let position = from; position < to; position++) {
        const n = position % options.streams;
        const stream = `note-${n}`;
        const before = last[n];
        const previous = before ? ({ revision: before.revision, metadata: { hash: before.hash } } as unknown as RecordedEvent) : undefined;
        const commandId = randomUUID();
        const [event] = chainEvents(stream, previous, [
          {
            type: 'NoteWritten',
            data: { note: n, sequence: position, text: 'a note for the audit trail', ...(filler ? { filler } : {}) },
            metadata: { commandId, correlationId: commandId, causationId: commandId, actor: { name: 'generator', role: 'service' }, recordedAt, schemaVersion: 1 },
          },
        ]);
        const revision = (before?.revision ?? -1) + 1;
        insert.run(position, randomUUID(), stream, revision, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), recordedAt);
        last[n] = { revision, hash: String(event.metadata!.hash) };
      }
    });
    const CHUNK = 10_000;
    for (let from = 0; from < options.events; from += CHUNK) writeChunk(from, Math.min(options.events, from + CHUNK));
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { events: options.events, head: options.events - 1 };
  } finally {
    db.close();
  }
}
