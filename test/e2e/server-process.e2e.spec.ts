import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startAppProcess, tempDataDir, waitFor } from '../support/app-process';

describe('the API as a process', () => {
  it('serves liveness and readiness on the embedded store, logs JSON, and stops cleanly on SIGTERM', async () => {
    const data = tempDataDir();
    const app = startAppProcess({ DATA_DIR: data.path }, await freePort());
    try {
      await waitFor(`${app.baseUrl}/health/ready`);
      const live = await fetch(`${app.baseUrl}/health/live`);
      expect(live.status).toBe(200);
      const ready = await (await fetch(`${app.baseUrl}/health/ready`)).json();
      expect(ready).toMatchObject({ status: 'ok', details: { eventStore: { status: 'up' } } });
      expect(existsSync(join(data.path, 'events.db'))).toBe(true);

      app.child.kill('SIGTERM');
      const exit = await app.exited;
      expect(exit.code).toBe(0);
      // The store was closed: SQLite's last connection removes the WAL file on close.
      expect(existsSync(join(data.path, 'events.db-wal'))).toBe(false);
      const lines = app.output().trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      app.child.kill('SIGKILL');
      data.remove();
    }
  }, 30_000);

  it.each([
    ['EVENT_STORE_URL', 'bogus://', /EVENT_STORE_URL must be sqlite:<path> or esdb:/],
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['SQLITE_SYNCHRONOUS', 'SOMETIMES', /SQLITE_SYNCHRONOUS must be one of/],
    ['API_KEYS', 'boss:0123456789abcdef', /API_KEYS entry 1 must be role:key/],
    ['PROJECTION_BATCH_WINDOW_MS', '5000', /PROJECTION_BATCH_WINDOW_MS must be a whole number from 0 to 1000/],
  ])('refuses to start with a bad %s, in one line', async (name, value, message) => {
    const data = tempDataDir();
    const app = startAppProcess({ DATA_DIR: data.path, [name]: value }, await freePort());
    const exit = await app.exited;
    data.remove();
    expect(exit.code).not.toBe(0);
    const output = app.output().trim();
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(message);
  });
});
