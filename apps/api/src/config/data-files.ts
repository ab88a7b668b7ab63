import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_FILE_NAME } from '../auth/key-ring';
import type { AppConfig } from './app-config';

/** DATA_DIR holds customer data, and so does every file in it: the server's own user alone may read them. */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/**
 * Creates DATA_DIR with mode 0700, or narrows an existing one to it, and narrows the files of an
 * earlier start. Returns what it could not do (a mount point the server does not own): start-up
 * goes on, since the files themselves are still made 0600, and the caller logs it.
 */
export function prepareDataDir(config: AppConfig): string[] {
  mkdirSync(config.dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const problems: string[] = [];
  try {
    chmodSync(config.dataDir, DATA_DIR_MODE);
  } catch (error) {
    problems.push(`DATA_DIR ${config.dataDir} could not be made private (mode 0700): ${(error as Error).message}`);
  }
  return [...problems, ...protectDataFiles(config)];
}

/**
 * Narrows the server's files to 0600: every file directly in DATA_DIR (the stores, the Merkle
 * tree, the keys, whatever a later version adds) and the stores configured elsewhere. SQLite
 * creates a database with the process's umask (0644 with the usual 022); its -wal and -shm files
 * take the mode of their database, so a database narrowed once keeps them narrow.
 */
export function protectDataFiles(config: AppConfig): string[] {
  const problems: string[] = [];
  for (const path of dataFiles(config)) {
    try {
      if (existsSync(path) && statSync(path).isFile()) chmodSync(path, DATA_FILE_MODE);
    } catch (error) {
      problems.push(`${path} could not be made private (mode 0600): ${(error as Error).message}`);
    }
  }
  return problems;
}

function dataFiles(config: AppConfig): string[] {
  const inDataDir = existsSync(config.dataDir) ? readdirSync(config.dataDir).map((name) => join(config.dataDir, name)) : [];
  const databases = [config.readModelPath, ...(config.eventStore.kind === 'sqlite' ? [config.eventStore.path] : [])];
  const elsewhere = databases.flatMap((db) => [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]);
  return [...new Set([...inDataDir, ...elsewhere, join(config.dataDir, KEY_FILE_NAME)])];
}
