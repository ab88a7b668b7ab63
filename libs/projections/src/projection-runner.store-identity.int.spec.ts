import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { identifyStore, SqliteEventStore, type Position, type RecordedEvent } from '@app/event-store';
import { tableNamesFor, type Projection, type TableNames } from './projection';
import { hasReached, ProjectionRunner } from './projection-runner';
import { ReadModelStore } from './read-model-store';

/** One row per event of `counted-` streams. */
const counting: Projection = {
  name: 'counting',
  version: 1,
  streamPrefixes: ['counted-'],
  tables: ['counted_events'],
  createSchema(db: Database.Database, t: TableNames) {
    db.exec(`CREATE TABLE ${t('counted_events')} (event_id TEXT PRIMARY KEY, n INTEGER)`);
  },
  apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames) {
    const insert = db.prepare(`INSERT INTO ${t('counted_events')} VALUES (?, ?)`);
    for (const event of events) insert.run(event.id, event.data.n);
  },
};

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

/**
 * The read models' checkpoints are positions in one store's log. Put another events.db under the
 * same views.db (a changed EVENT_STORE_URL), or an earlier copy of the same one (a restore), and
 * the runner must build the views again from that log, not resume at the old offsets.
 */
describe('ProjectionRunner on a store that is not the one its checkpoints came from', () => {
  let dir: string;
  let readModels: ReadModelStore;
  let logs: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-identity-'));
    readModels = ReadModelStore.open(join(dir, 'views.db'));
    logs = [];
  });
  afterEach(() => {
    readModels.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fill = async (path: string, numbers: number[]): Promise<void> => {
    const store = SqliteEventStore.open({ path });
    for (const n of numbers) await store.append(`counted-${n % 3}`, [{ type: 'Counted', data: { n } }]);
    await store.close();
  };
  /** Runs the projection over the store at `path` until it has reached the head; gives the rows. */
  const project = async (path: string): Promise<number[]> => {
    const store = SqliteEventStore.open({ path });
    const runner = new ProjectionRunner(store, readModels, [counting], { batchSize: 4, logger: { log: (m) => logs.push(m), warn: (m) => logs.push(m) } });
    try {
      runner.start();
      const head = (await store.headPosition()) as Position;
      const identity = await identifyStore(store);
      const deadline = Date.now() + 10_000;
      // The store match runs first; then the live generation must reach this store's head.
      while (Date.now() < deadline && !(readModels.storeIdentity() === identity && hasReached(readModels, 'counting', head))) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const live = readModels.live('counting')!;
      return (readModels.db.prepare(`SELECT n FROM ${tableNamesFor(live.generation)('counted_events')} ORDER BY n`).all() as Array<{ n: number }>).map((r) => r.n);
    } finally {
      await runner.stop();
      await store.close();
    }
  };

  it('records the store it follows, and keeps its checkpoints for that store', async () => {
    const a = join(dir, 'a.db');
    await fill(a, range(0, 10));
    expect(await project(a)).toEqual(range(0, 10));
    expect(readModels.storeIdentity()).toMatch(/^first-event:[0-9a-f-]{36}$/);
    await fill(a, range(10, 3));
    expect(await project(a)).toEqual(range(0, 13));
    expect(logs.filter((m) => /building them again/.test(m))).toEqual([]);
  });

  it('another events.db with fewer events: the views hold its events, not the old ones', async () => {
    await fill(join(dir, 'a.db'), range(0, 10));
    expect(await project(join(dir, 'a.db'))).toEqual(range(0, 10));
    await fill(join(dir, 'b.db'), range(100, 4));
    expect(await project(join(dir, 'b.db'))).toEqual(range(100, 4));
    expect(logs.some((m) => /building them again/.test(m))).toBe(true);
  });

  it('another events.db with more events: none of its first events is skipped, none of the old kept', async () => {
    await fill(join(dir, 'a.db'), range(0, 10));
    await project(join(dir, 'a.db'));
    await fill(join(dir, 'b.db'), range(200, 15));
    expect(await project(join(dir, 'b.db'))).toEqual(range(200, 15));
  });

  it('the same store restored to an earlier copy: the views are built again from the copy', async () => {
    const a = join(dir, 'a.db');
    await fill(a, range(0, 5));
    copyFileSync(a, join(dir, 'a-backup.db'));
    await fill(a, range(5, 5));
    expect(await project(a)).toEqual(range(0, 10));
    expect(await project(join(dir, 'a-backup.db'))).toEqual(range(0, 5));
  });
});
