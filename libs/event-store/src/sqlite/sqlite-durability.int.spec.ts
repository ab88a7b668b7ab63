import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RecordedEvent } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';
import { built } from '../../../../test/support/built';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ticket-durability-'));
  dirs.push(dir);
  return join(dir, 'events.db');
}

async function readAll(store: SqliteEventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const event of store.readAll()) out.push(event);
  return out;
}

/** Starts the appender child and resolves once it has acknowledged `until` events (then kills it, if asked). */
function runAppender(path: string, synchronous: string, onLine: (line: string) => void, args: string[] = []) {
  const child = spawn(process.execPath, [built('test/fixtures/sqlite-appender.js'), path, synchronous, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', onLine);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    // 'close', not 'exit': every line the child wrote has been read by then.
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

describe('SQLite durability across processes', () => {
  it.each(['FULL', 'NORMAL'])(
    'keeps every append acknowledged before a SIGKILL, exactly once (synchronous=%s)',
    async (synchronous) => {
      const path = tempFile();
      const acknowledged: string[] = [];
      let killAfter = 300 + Math.floor(Math.random() * 400);
      const { child, exited } = runAppender(path, synchronous, (line) => {
        if (line === 'ready') return;
        acknowledged.push(line);
        if (acknowledged.length === killAfter) child.kill('SIGKILL');
      });
      const exit = await exited;
      expect(exit.signal).toBe('SIGKILL');
      killAfter = acknowledged.length;

      const store = SqliteEventStore.open({ path });
      const events = await readAll(store);
      await store.close();
      const stored = new Set(events.map((e) => e.id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      expect(stored.size).toBe(events.length);
      // At most the one append in flight at the kill may be there without an acknowledgement.
      expect(events.length - acknowledged.length).toBeLessThanOrEqual(1);
      for (const stream of new Set(events.map((e) => e.stream))) {
        const revisions = events.filter((e) => e.stream === stream).map((e) => e.revision);
        expect(revisions).toEqual(revisions.map((_, i) => i));
      }
    },
    60_000,
  );

  it('shows a subscriber the events another process writes within 100 ms as a rule (it polls the file every 50 ms), and none later than 1 s', async () => {
    const path = tempFile();
    const store = SqliteEventStore.open({ path });
    await store.append('warm-up', [{ type: 'Started', data: {} }]);
    const head = await store.headPosition();
    const subscription = store.subscribeToAll({ fromPosition: head, filter: { streamPrefixes: ['acked-'] } });
    const ackedAt = new Map<string, number>();
    const delays: number[] = [];
    const { exited } = runAppender(path, 'FULL', (line) => {
      if (line !== 'ready') ackedAt.set(line, performance.now());
    }, ['20']);
    for await (const event of subscription) {
      // The child acknowledges before the parent reads its line, so the line may come after the event.
      const acked = ackedAt.get(event.id);
      delays.push(acked === undefined ? 0 : performance.now() - acked);
      if (delays.length === 20) break;
    }
    await subscription.close();
    expect((await exited).code).toBe(0);
    await store.close();
    expect(delays).toHaveLength(20);
    // The median holds the poll to its interval; the bound on the slowest leaves room for a stalled test worker.
    const sorted = [...delays].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(100);
    expect(sorted[sorted.length - 1]).toBeLessThan(1000);
  }, 30_000);

  it('is one store for two processes: positions stay unique and ordered', async () => {
    const path = tempFile();
    const first = runAppender(path, 'FULL', () => undefined, ['200']);
    const second = runAppender(path, 'FULL', () => undefined, ['200']);
    const own = SqliteEventStore.open({ path });
    for (let i = 0; i < 50; i++) await own.append(`parent-${randomUUID()}`, [{ type: 'Parent', data: { i } }]);
    expect((await first.exited).code).toBe(0);
    expect((await second.exited).code).toBe(0);
    const events = await readAll(own);
    await own.close();
    expect(events).toHaveLength(450);
    expect(events.map((e) => Number(e.position.commit))).toEqual(events.map((_, i) => i));
  }, 60_000);
});
