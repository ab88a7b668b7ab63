import Database from 'better-sqlite3';
import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Pages copied per step of SQLite's backup API: all of them. SQLite starts a backup again when
 * another connection commits between two steps, so a backup in small steps may never end under a
 * steady write load; one step copies the file as one read transaction, while writers go on.
 */
const ALL_PAGES = 0x7fffffff;

/**
 * A consistent online copy of a SQLite store through SQLite's backup API: writers in other
 * processes (the API) go on while it runs, and the copy is one committed state of the file.
 * The copy is written beside the target, flushed to disk, then renamed into place, so a crash
 * never leaves half a file.
 */
export async function backupSqliteFile(source: string, target: string): Promise<void> {
  if (!existsSync(source)) throw new Error(`${source} does not exist`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(partial, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  // A copy of the log is customer data, as the store is: its owner's alone.
  chmodSync(partial, 0o600);
  fsyncFile(partial);
  renameSync(partial, target);
  fsyncFile(dirname(target));
}

/** A SQLite file that another connection (another process, or this one) has open. */
export class SqliteFileInUse extends Error {
  constructor(readonly path: string) {
    super(`${path} is in use by another process: stop the API and any other process that uses the store (ticket-audit project, verify, ...) first`);
  }
}

/**
 * A SQLite file held for this process alone: no other connection has it open, and none can read
 * or write it until `release()`. Write through `db`.
 */
export interface HeldSqliteFile {
  readonly path: string;
  readonly db: Database.Database;
  release(): void;
}

/**
 * Takes a SQLite file for this process alone, or throws SqliteFileInUse. The connection asks for
 * SQLite's exclusive locking mode before it reads anything, so it keeps the WAL index to itself and
 * its exclusive lock fails at once while any other connection, reader or writer, has the file open.
 */
export function holdSqliteFile(path: string): HeldSqliteFile {
  const db = new Database(path, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    db.pragma('synchronous = FULL');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new SqliteFileInUse(path);
    throw error;
  }
  return { path, db, release: () => db.close() };
}

/** Checks that `backup` is an event store SQLite can read whole; gives the position of its last event. */
export function inspectBackup(backup: string): { head: number | undefined } {
  if (!existsSync(backup)) throw new Error(`${backup} does not exist`);
  const check = new Database(backup, { readonly: true, fileMustExist: true });
  try {
    const table = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
    if (!table) throw new Error(`${backup} is not an event store backup (no events table)`);
    const integrity = check.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`${backup} fails SQLite's integrity check: ${String(integrity)}`);
    const head = (check.prepare('SELECT max(position) AS head FROM events').get() as { head: number | null }).head;
    return { head: head ?? undefined };
  } finally {
    check.close();
  }
}

/**
 * Removes a held SQLite file with its `-wal` and `-shm`. The held connection first leaves WAL mode
 * (which folds the WAL into the file and deletes it) for a journal kept in memory, so that closing
 * it later touches no file by name: nothing of the old file can land beside a new one.
 */
export function removeHeldSqliteFile(held: HeldSqliteFile): void {
  detach(held);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${held.path}${suffix}`, { force: true });
}

/**
 * Puts a backup in place of a store file that this process holds (`holdSqliteFile`), or at a path
 * where there is none yet (`held` undefined). The backup is copied beside the target and flushed
 * to disk; the old file's WAL is folded into it and removed and its `-shm` deleted, so neither can
 * be replayed onto the restored file; then the copy is renamed over the target and the folder
 * flushed, so after a crash the target is either the old store or the whole backup.
 */
export function restoreSqliteFile(backup: string, target: string, held?: HeldSqliteFile): void {
  if (held && held.path !== target) throw new Error(`restore into ${target} holds ${held.path}`);
  if (!held && existsSync(target)) throw new Error(`${target} exists: hold it before it is replaced`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.restoring`;
  copyFileSync(backup, partial);
  fsyncFile(partial);
  if (held) detach(held);
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(partial, target);
  fsyncFile(dirname(target));
}

/** See removeHeldSqliteFile: the held connection keeps its journal in memory and no longer uses `-wal` or `-shm`. */
function detach(held: HeldSqliteFile): void {
  const mode = held.db.pragma('journal_mode = MEMORY', { simple: true });
  if (mode !== 'memory') throw new Error(`${held.path}: could not leave WAL mode (journal mode ${String(mode)})`);
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
