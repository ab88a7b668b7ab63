import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { SqliteEventStore, type Position, type RecordedEvent } from '@app/event-store';
import { FailingEventStore } from '@app/event-store/testing/failing-event-store';
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

/**
 * A subscription the store drops (a restart, a leader change, a slow consumer) on the SQLite
 * store, through the port alone: the runner reports the failure, resubscribes, and once the new
 * subscription delivers or has caught up, reports nothing again, and its wait starts over.
 */
describe('ProjectionRunner after a failed subscription', () => {
  let dir: string;
  let sqlite: SqliteEventStore;
  let store: FailingEventStore;
  let readModels: ReadModelStore;
  let runner: ProjectionRunner | undefined;
  /** Each warning, with the failure `status()` told when it was written. */
  let warnings: Array<{ message: string; failure: string | undefined }>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'projection-failures-'));
    sqlite = SqliteEventStore.open({ path: join(dir, 'events.db') });
    store = new FailingEventStore(sqlite);
    readModels = ReadModelStore.open(join(dir, 'views.db'));
    warnings = [];
  });
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    readModels.close();
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => {
    runner = new ProjectionRunner(store, readModels, [counting], {
      batchSize: 4,
      logger: { log: () => undefined, warn: (message) => warnings.push({ message, failure: runner!.status()[0].failure }) },
    });
    runner.start();
    return runner;
  };
  const append = async (from: number, count: number): Promise<Position> => {
    let last: Position | undefined;
    for (let n = from; n < from + count; n++) last = (await sqlite.append(`counted-${n % 3}`, [{ type: 'Counted', data: { n } }])).position;
    return last!;
  };
  const rows = () => (readModels.db.prepare(`SELECT n FROM ${tableNamesFor(1)('counted_events')} ORDER BY n`).all() as Array<{ n: number }>).map((r) => r.n);
  const until = async (what: string, condition: () => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    if (!condition()) throw new Error(`timed out waiting for ${what}; warnings: ${JSON.stringify(warnings)}; status: ${JSON.stringify(runner?.status())}`);
  };
  const retryWaits = () => warnings.map((w) => Number(/retrying in (\d+) ms/.exec(w.message)?.[1]));

  it('reports the failure, clears it once the new subscription delivers, and waits 250 ms again after the next drop', async () => {
    await append(0, 10);
    // The first subscription fails after 3 events; the second delivers the rest.
    store.failSubscriptions({ afterEvents: 3 });
    const runner = start();
    await until('the first failure', () => warnings.length === 1);
    expect(warnings[0].failure).toMatch(/failed after 3 events/);

    const head = (await store.headPosition())!;
    await until('the resubscription to deliver and clear the failure', () => hasReached(readModels, 'counting', head) && runner.status()[0].failure === undefined);
    expect(store.subscriptionsOpened).toBe(2);
    expect(rows()).toEqual(Array.from({ length: 10 }, (_, n) => n));

    // A live drop later: reported again, retried after the first wait again (not the doubled one).
    store.dropSubscriptions();
    await until('the second failure', () => warnings.length === 2);
    expect(warnings[1].failure).toMatch(/dropped/);
    expect(retryWaits()).toEqual([250, 250]);

    const later = await append(10, 5);
    await until('the third subscription to deliver', () => hasReached(readModels, 'counting', later) && runner.status()[0].failure === undefined);
    expect(store.subscriptionsOpened).toBe(3);
    expect(rows()).toEqual(Array.from({ length: 15 }, (_, n) => n));
  });

  it('clears the failure of a resubscription on a quiet log once it has caught up, and keeps doubling the wait while each one fails at once', async () => {
    await append(0, 6);
    const runner = start();
    const head = (await store.headPosition())!;
    await until('the catch-up', () => hasReached(readModels, 'counting', head));

    // Dropped, and the next two subscriptions fail at their first read: 250, 500, 1000 ms.
    store.failSubscriptions({ afterEvents: 0, count: 2 });
    store.dropSubscriptions();
    await until('three failures', () => warnings.length === 3);
    expect(retryWaits()).toEqual([250, 500, 1000]);
    expect(warnings.every((w) => w.failure !== undefined)).toBe(true);
    // The fourth subscription has nothing to deliver: it has caught up, so nothing is failing.
    await until('the fourth subscription', () => store.subscriptionsOpened === 4);
    await until('the failure to clear', () => runner.status()[0].failure === undefined);

    // Caught up for longer than it would wait (2 s): the next drop waits 250 ms again.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(runner.status()[0].failure).toBeUndefined();
    store.dropSubscriptions();
    await until('the fourth failure', () => warnings.length === 4);
    expect(retryWaits()).toEqual([250, 500, 1000, 250]);
    const later = await append(6, 3);
    await until('the next subscription to deliver', () => hasReached(readModels, 'counting', later) && runner.status()[0].failure === undefined);
    expect(rows()).toEqual(Array.from({ length: 9 }, (_, n) => n));
  });

  it('a runner that tells the failures of one following elsewhere clears those no longer reported', () => {
    const here = new ProjectionRunner(store, readModels, [counting]);
    here.reportFailures({ counting: 'the projection worker exited (code 1)' });
    expect(here.status()[0].failure).toBe('the projection worker exited (code 1)');
    here.reportFailures({});
    expect(here.status()[0].failure).toBeUndefined();
  });
});
