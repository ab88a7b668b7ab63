import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { formatPosition, SqliteEventStore, type RecordedEvent } from '@app/event-store';
import { ProjectionRunner, ReadModelStore, type Projection, type TableNames } from '@app/projections';
import { MAX_VIEW_WAITERS, waitForView } from './view-freshness';

/** One row per event of `counted-` streams. */
const counting: Projection = {
  name: 'counting',
  version: 1,
  streamPrefixes: ['counted-'],
  tables: ['counted_events'],
  createSchema(db: Database.Database, t: TableNames) {
    db.exec(`CREATE TABLE ${t('counted_events')} (event_id TEXT PRIMARY KEY)`);
  },
  apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames) {
    const insert = db.prepare(`INSERT INTO ${t('counted_events')} VALUES (?)`);
    for (const event of events) insert.run(event.id);
  },
};

/** The timers this process has pending, as Node counts them. */
const pendingTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('waitForView (minPosition)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let readModels: ReadModelStore;
  let runner: ProjectionRunner | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'view-freshness-'));
    store = SqliteEventStore.open({ path: join(dir, 'events.db') });
    readModels = ReadModelStore.open(join(dir, 'views.db'));
  });
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    readModels.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = async (count: number) => {
    let last;
    for (let n = 0; n < count; n++) last = await store.append(`counted-${n % 4}`, [{ type: 'Counted', data: { n } }]);
    return formatPosition(last!.position);
  };
  const follow = () => {
    runner = new ProjectionRunner(store, readModels, [counting]);
    runner.start();
  };

  it('serves many requests waiting for one position with one timer between them, and each once the view gets there', async () => {
    const position = await append(20);
    const before = pendingTimers();
    const waiting = Array.from({ length: 500 }, () => waitForView(readModels, 'counting', position));
    await new Promise((resolve) => setImmediate(resolve));
    const timers = pendingTimers() - before;

    follow();
    await expect(Promise.all(waiting)).resolves.toHaveLength(500);
    expect(timers).toBeLessThanOrEqual(1);
    // Nothing waits: no timer is left behind.
    expect(pendingTimers()).toBeLessThanOrEqual(before + 1);
  });

  it(`refuses the request past ${MAX_VIEW_WAITERS} waiting at once with 503 VIEW_NOT_CAUGHT_UP and Retry-After, at once`, async () => {
    const position = await append(5);
    const waiting = Array.from({ length: MAX_VIEW_WAITERS }, () => waitForView(readModels, 'counting', position));
    const extra = waitForView(readModels, 'counting', position);
    const settled = extra.then(() => 'served', (error: unknown) => error);
    const refused = await Promise.race([settled, new Promise((resolve) => setTimeout(() => resolve('still waiting after 1 s'), 1_000))]);

    follow();
    await expect(Promise.all(waiting)).resolves.toHaveLength(MAX_VIEW_WAITERS);
    await settled;
    expect(refused).toMatchObject({ problem: { status: 503, code: 'VIEW_NOT_CAUGHT_UP' }, headers: { 'retry-after': '1' } });
    // With the others served, a request is let wait again (and is served at once: the view is there).
    await expect(waitForView(readModels, 'counting', position)).resolves.toBeUndefined();
  });
});
