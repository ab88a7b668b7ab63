import Database from 'better-sqlite3';

/** One row of the embedded store's `events` table, as it is on disk. */
export interface StoredRow {
  position: number;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

/**
 * The event store file opened directly, the way someone with access to the disk would: for tests
 * that alter the log behind the application's back (it is stopped, but locks are waited for).
 */
export class StoredRows {
  constructor(private readonly path: string) {}

  with<T>(work: (db: Database.Database) => T): T {
    const db = new Database(this.path, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    try {
      return work(db);
    } finally {
      db.close();
    }
  }

  all(): StoredRow[] {
    return this.with((db) => db.prepare('SELECT * FROM events ORDER BY position').all() as StoredRow[]);
  }

  /** One stream's rows in revision order. */
  of(stream: string): StoredRow[] {
    return this.with((db) => db.prepare('SELECT * FROM events WHERE stream = ? ORDER BY revision').all(stream) as StoredRow[]);
  }

  /** Puts one stream's rows back exactly as they were. */
  putBack(stream: string, rows: StoredRow[]): void {
    this.with((db) =>
      db.transaction(() => {
        db.prepare('DELETE FROM events WHERE stream = ?').run(stream);
        const insert = db.prepare(
          'INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (@position, @event_id, @stream, @revision, @type, @data, @metadata, @recorded_at)',
        );
        for (const row of rows) insert.run(row);
      })(),
    );
  }
}
