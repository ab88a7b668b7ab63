import { afterAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { backupSqliteFile, holdSqliteFile, inspectBackup, removeHeldSqliteFile, restoreSqliteFile, SqliteFileInUse } from './sqlite-backup';
import { SqliteEventStore } from './sqlite-event-store';

/** Holding a store file for a restore, and putting a backup in place of a held file. */

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ticket-backup-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function storeWith(path: string, events: number): Promise<void> {
  const store = SqliteEventStore.open({ path });
  for (let n = 0; n < events; n++) await store.append('note-1', [{ type: 'NoteWritten', data: { n } }]);
  await store.close();
}

function count(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('holdSqliteFile', () => {
  it('refuses while a store or a read-only connection has the file open, and holds it once they are closed', async () => {
    const path = join(tempDir(), 'events.db');
    await storeWith(path, 3);
    const store = SqliteEventStore.open({ path });
    expect(() => holdSqliteFile(path)).toThrow(SqliteFileInUse);
    await store.close();
    const reader = new Database(path, { readonly: true });
    reader.prepare('SELECT count(*) FROM events').get();
    expect(() => holdSqliteFile(path)).toThrow(/in use by another process: stop the API/);
    reader.close();

    const held = holdSqliteFile(path);
    // While it is held, a store cannot open it.
    expect(() => SqliteEventStore.open({ path })).toThrow(/cannot open the SQLite event store/);
    held.release();
    const reopened = SqliteEventStore.open({ path });
    await reopened.close();
  });
});

describe('restoreSqliteFile', () => {
  it('replaces a held store whose WAL a crashed writer left behind with the backup alone', async () => {
    const dir = tempDir();
    const backup = join(dir, 'backup.db');
    await storeWith(join(dir, 'source.db'), 2);
    await backupSqliteFile(join(dir, 'source.db'), backup);
    expect(inspectBackup(backup)).toEqual({ head: 1 });

    // A store with 5 events, two of them only in its WAL, as a writer killed before a checkpoint leaves it.
    const target = join(dir, 'events.db');
    await storeWith(target, 3);
    const writer = new Database(target);
    writer.pragma('wal_autocheckpoint = 0');
    writer.prepare("INSERT INTO events VALUES (3, 'e3', 'note-2', 0, 'NoteWritten', '{}', '{}', 'now'), (4, 'e4', 'note-2', 1, 'NoteWritten', '{}', '{}', 'now')").run();
    copyFileSync(target, join(dir, 'crashed.db'));
    copyFileSync(`${target}-wal`, join(dir, 'crashed.db-wal'));
    writer.close();
    rmSync(target);
    copyFileSync(join(dir, 'crashed.db'), target);
    copyFileSync(join(dir, 'crashed.db-wal'), `${target}-wal`);
    expect(count(target)).toBe(5);

    const held = holdSqliteFile(target);
    restoreSqliteFile(backup, target, held);
    held.release();
    expect(existsSync(`${target}-wal`)).toBe(false);
    expect(existsSync(`${target}.restoring`)).toBe(false);
    expect(count(target)).toBe(2);
    const store = SqliteEventStore.open({ path: target });
    await store.append('note-1', [{ type: 'NoteWritten', data: { n: 2 } }], { expectedRevision: 1 });
    await store.close();
    expect(count(target)).toBe(3);
  });

  it('removes a held file with its WAL and shared memory', async () => {
    const path = join(tempDir(), 'views.db');
    await storeWith(path, 1);
    const held = holdSqliteFile(path);
    removeHeldSqliteFile(held);
    held.release();
    expect(['', '-wal', '-shm', '-journal'].filter((suffix) => existsSync(`${path}${suffix}`))).toEqual([]);
  });
});
