import { afterEach, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupSqliteFile } from '@app/event-store';
import { distPresent } from '../support/built';
import { freePort, startAppProcess, waitFor, type AppProcess } from '../support/app-process';

/**
 * DATA_DIR holds customer data (the event log, the views, webhook secrets, generated keys): after
 * a start it is 0700 and every file in it 0600, whether the server created them or found them
 * from an earlier start with wider modes, and a backup of the log is 0600 too.
 */

const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (value: number) => `0${value.toString(8)}`;

const roots: string[] = [];
const running: AppProcess[] = [];

afterEach(async () => {
  for (const app of running.splice(0)) {
    if (app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
  }
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** Starts the built API on `dataDir` with no API_KEYS (so it writes its key file) and webhooks on. */
async function start(dataDir: string): Promise<AppProcess> {
  await distPresent();
  const app = startAppProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', RUN_DEADLINE_FOLLOWER: 'false' }, await freePort());
  running.push(app);
  await waitFor(`${app.baseUrl}/health/ready`);
  return app;
}

async function stop(app: AppProcess): Promise<void> {
  app.child.kill('SIGTERM');
  expect(await app.exited).toEqual({ code: 0, signal: null });
}

/** Every entry of DATA_DIR with its mode in octal, for one readable comparison. */
function modes(dataDir: string): Record<string, string> {
  return Object.fromEntries([['.', octal(mode(dataDir))], ...readdirSync(dataDir).map((name) => [name, octal(mode(join(dataDir, name)))])]);
}

describe('the modes of DATA_DIR and its files', () => {
  it('a fresh DATA_DIR is 0700 and every file the server creates in it 0600, the SQLite -wal and -shm files included', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ticket-modes-'));
    roots.push(root);
    const dataDir = join(root, 'data');
    await start(dataDir);
    const found = modes(dataDir);
    expect(Object.keys(found)).toEqual(expect.arrayContaining(['events.db', 'events.db-wal', 'events.db-shm', 'views.db', 'webhooks.db', 'api-keys.json']));
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((name) => [name, name === '.' ? '0700' : '0600'])));
  }, 40_000);

  it('narrows a DATA_DIR and files left wider by an earlier start, and a backup of the log is 0600', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ticket-modes-'));
    roots.push(root);
    const dataDir = join(root, 'data');
    await stop(await start(dataDir));
    // As an older version (or a copy by hand) left them.
    chmodSync(dataDir, 0o755);
    for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), 0o644);

    const app = await start(dataDir);
    const found = modes(dataDir);
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((name) => [name, name === '.' ? '0700' : '0600'])));

    const backup = join(root, 'backups', 'events.db');
    await backupSqliteFile(join(dataDir, 'events.db'), backup);
    expect(existsSync(backup)).toBe(true);
    expect(octal(mode(backup))).toBe('0600');
    await stop(app);
  }, 60_000);
});
