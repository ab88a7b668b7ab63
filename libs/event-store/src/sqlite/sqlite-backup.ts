import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A consistent online copy of a SQLite store through SQLite's backup API: writers in other
 * processes (the API) go on while it runs, and the copy is one committed state of the file.
 * The copy is written beside the target and renamed into place, so a crash never leaves half a file.
 */
export async function backupSqliteFile(source: string, target: string, onProgress?: (remaining: number, total: number) => void): Promise<void> {
  if (!existsSync(source)) throw new Error(`${source} does not exist`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(remainingPages, totalPages);
        return 500;
      },
    });
  } finally {
    db.close();
  }
  // A copy of the log is customer data, as the store is: its owner's alone.
  chmodSync(partial, 0o600);
  renameSync(partial, target);
}

/**
 * Puts a backup in place of a store file that no process has open: the backup is checked to be
 * an event store, copied beside the target, then renamed over it; stale WAL files of the old
 * store are removed first so they cannot be replayed onto the restored file.
 */
export function restoreSqliteFile(backup: string, target: string): void {
  if (!existsSync(backup)) throw new Error(`${backup} does not exist`);
  const check = new Database(backup, { readonly: true, fileMustExist: true });
  try {
    const table = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
    if (!table) throw new Error(`${backup} is not an event store backup (no events table)`);
    const integrity = check.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`${backup} fails SQLite's integrity check: ${String(integrity)}`);
  } finally {
    check.close();
  }
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.restoring`;
  copyFileSync(backup, partial);
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(partial, target);
}
