import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@app/event-store';
import { tableNamesFor, type Projection, type TableNames } from './projection';
import { hasReached, ProjectionRunner } from './projection-runner';
import { ReadModelStore } from './read-model-store';

/** A projection for the runner's tests: one row per event of `counted-` streams. */
function countingProjection(version = 1, failOnce?: { value: number }): Projection {
  let failed = false;
  return {
    name: 'counting',
    version,
    streamPrefixes: ['counted-'],
    tables: ['counted_events'],
    createSchema(db: Database.Database, t: TableNames) {
      db.exec(`CREATE TABLE ${t('counted_events')} (event_id TEXT PRIMARY KEY, stream TEXT, n INTEGER, version INTEGER)`);
    },
    apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames) {
      const insert = db.prepare(`INSERT INTO ${t('counted_events')} VALUES (?, ?, ?, ?)`);
      for (const event of events) {
        insert.run(event.id, event.stream, event.data.n, version);
        if (failOnce && event.data.n === failOnce.value && !failed) {
          failed = true;
          throw new Error('the read model failed half-way through a batch');
        }
      }
    },
  };
}

/**
 * The counting projection with a pipeline: `failOnDecide` throws while deciding the batch of that
 * n; `duplicateAt` records a second insert of that event, which the writer's transaction refuses.
 */
function pipelinedCounting(options: { failOnDecide?: number; duplicateAt?: number } = {}): Projection {
  const base = countingProjection();
  return {
    ...base,
    pipeline: (_db, t) => ({
      apply(events, _batch, statement) {
        const insert = statement(`INSERT INTO ${t('counted_events')} VALUES (?, ?, ?, ?)`);
        for (const event of events) {
          if (event.data.n === options.failOnDecide) throw new Error('deciding failed half-way through a batch');
          insert.run(event.id, event.stream, event.data.n, 1);
          if (event.data.n === options.duplicateAt) insert.run(event.id, event.stream, event.data.n, 1);
        }
      },
      committed: () => undefined,
    }),
  };
}

describe('ProjectionRunner', () => {
  let dir: string;
  let store: EventStore;
  let readModels: ReadModelStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'projections-'));
    store = SqliteEventStore.open({ path: join(dir, 'events.db') });
    readModels = ReadModelStore.open(join(dir, 'views.db'));
  });
  afterEach(async () => {
    readModels.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = async (count: number, from = 0) => {
    let last;
    for (let n = from; n < from + count; n++) {
      last = await store.append(`counted-${n % 5}`, [{ type: 'Counted', data: { n } }]);
      await store.append(`ignored-${n % 3}`, [{ type: 'Other', data: { n } }]);
    }
    return last!.position;
  };
  const rows = (generation: number) =>
    readModels.db.prepare(`SELECT n FROM ${tableNamesFor(generation)('counted_events')} ORDER BY n`).all().map((r) => (r as { n: number }).n);
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(condition()).toBe(true);
  };

  it('catches up from the start, then follows live appends, applying each event once', async () => {
    await append(300);
    const runner = new ProjectionRunner(store, readModels, [countingProjection()], { batchSize: 64 });
    runner.start();
    const head = (await store.headPosition())!;
    await until(() => hasReached(readModels, 'counting', head));
    const live = await append(50, 300);
    await until(() => hasReached(readModels, 'counting', live));
    await runner.stop();
    expect(rows(1)).toEqual(Array.from({ length: 350 }, (_, i) => i));
    expect(runner.status()[0]).toMatchObject({ name: 'counting', generation: 1, building: false, failure: undefined });
  });

  it('catches up with the metadata fields a projection asks for, and the whole metadata when it asks for none', async () => {
    for (let n = 0; n < 3; n++) await store.append(`counted-${n}`, [{ type: 'Counted', data: { n }, metadata: { schemaVersion: 1, actor: `desk-${n}` } }]);
    const seen = new Map<string, Array<Record<string, unknown>>>();
    const recording = (name: string, metadataFields?: readonly string[]): Projection => {
      const base = countingProjection();
      seen.set(name, []);
      return { ...base, name, metadataFields, apply: (db, events, t) => (seen.get(name)!.push(...events.map((e) => ({ ...e.metadata }))), base.apply(db, events, t)) };
    };
    const pipelined = (name: string, metadataFields?: readonly string[]): Projection => {
      const base = pipelinedCounting();
      seen.set(name, []);
      return {
        ...base,
        name,
        metadataFields,
        pipeline: (db, t) => {
          const inner = base.pipeline!(db, t);
          return { ...inner, apply: (events, batch, statement) => (seen.get(name)!.push(...events.map((e) => ({ ...e.metadata }))), inner.apply(events, batch, statement)) };
        },
      };
    };
    // Each into a read-model file of its own: they share the counting projection's tables. The
    // pipelined ones decide first and write after ('deferred'), as a rebuild with a writer thread does.
    for (const projection of [recording('upcast-only', ['schemaVersion']), recording('whole'), pipelined('pipelined-upcast-only', ['schemaVersion']), pipelined('pipelined-whole')]) {
      const views = ReadModelStore.open(join(dir, `${projection.name}.db`));
      await new ProjectionRunner(store, views, [projection], { rebuildWrites: 'deferred' }).rebuild(projection.name);
      views.close();
    }
    expect(seen.get('upcast-only')).toEqual([{ schemaVersion: 1 }, { schemaVersion: 1 }, { schemaVersion: 1 }]);
    expect(seen.get('whole')).toEqual([0, 1, 2].map((n) => ({ schemaVersion: 1, actor: `desk-${n}` })));
    expect(seen.get('pipelined-upcast-only')).toEqual(seen.get('upcast-only'));
    expect(seen.get('pipelined-whole')).toEqual(seen.get('whole'));
  });

  it('applies an event after a quiet spell at once, and the commits of a burst in the window after it together', async () => {
    const batches: number[][] = [];
    const base = countingProjection();
    const recording: Projection = { ...base, apply: (db, events, t) => (batches.push(events.map((e) => e.data.n as number)), base.apply(db, events, t)) };
    // A window far longer than ten commits take, even with every fsync slowed by other test files.
    const runner = new ProjectionRunner(store, readModels, [recording], { liveBatchWindowMs: 3000 });
    runner.start();
    await until(() => readModels.live('counting') !== undefined);
    const first = (await store.append('counted-0', [{ type: 'Counted', data: { n: 0 } }])).position;
    await until(() => hasReached(readModels, 'counting', first));
    // Ten commits, one after the other, while the runner waits out its window.
    let last = first;
    for (let n = 1; n <= 10; n++) last = (await store.append(`counted-${n}`, [{ type: 'Counted', data: { n } }])).position;
    await until(() => hasReached(readModels, 'counting', last));
    await runner.stop();
    expect(batches[0]).toEqual([0]);
    expect(batches.slice(1)).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
  });

  it('catches up the same through the subscription alone, for a store that does not read in pages', async () => {
    await append(130);
    // Only counted- streams at the end: a batch whose every event the projection reads.
    for (let n = 130; n < 200; n++) await store.append(`counted-${n % 5}`, [{ type: 'Counted', data: { n } }]);
    const portOnly = new Proxy(store, {
      get: (target, key) => {
        if (key === 'readPagesAfter' || key === 'followPagesAfter') return undefined;
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    for (const [source, label] of [
      [portOnly, 'port'],
      [store, 'pages'],
    ] as const) {
      const views = ReadModelStore.open(join(dir, `views-${label}.db`));
      const runner = new ProjectionRunner(source, views, [countingProjection()], { batchSize: 64 });
      await runner.rebuild('counting');
      const counted = views.db.prepare(`SELECT n FROM ${tableNamesFor(1)('counted_events')} ORDER BY n`).all().map((r) => (r as { n: number }).n);
      expect(counted).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(views.live('counting')?.position).toEqual(await store.headPosition());
      views.close();
    }
  });

  it('resumes from its checkpoint after a restart without applying anything twice', async () => {
    await append(100);
    const first = new ProjectionRunner(store, readModels, [countingProjection()]);
    first.start();
    const head = (await store.headPosition())!;
    await until(() => hasReached(readModels, 'counting', head));
    await first.stop();
    const later = await append(40, 100);
    const second = new ProjectionRunner(store, readModels, [countingProjection()]);
    second.start();
    await until(() => hasReached(readModels, 'counting', later));
    await second.stop();
    expect(rows(1)).toEqual(Array.from({ length: 140 }, (_, i) => i));
  });

  it('rolls back a batch that fails half-way, checkpoint included, and applies it once on the retry', async () => {
    await append(200);
    const runner = new ProjectionRunner(store, readModels, [countingProjection(1, { value: 120 })], { batchSize: 500 });
    runner.start();
    const head = (await store.headPosition())!;
    await until(() => hasReached(readModels, 'counting', head));
    await runner.stop();
    // The primary key would have refused a second insert of any event: every n is there exactly once.
    expect(rows(1)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('rebuilds a new version into new tables while the old ones answer, then swaps them', async () => {
    await append(120);
    const v1 = new ProjectionRunner(store, readModels, [countingProjection(1)]);
    v1.start();
    const head = (await store.headPosition())!;
    await until(() => hasReached(readModels, 'counting', head));
    await v1.stop();

    const v2 = new ProjectionRunner(store, readModels, [countingProjection(2)]);
    // Until v2 has caught up, queries are served by generation 1.
    expect(readModels.live('counting')?.generation).toBe(1);
    v2.start();
    await until(() => readModels.live('counting')?.generation === 2);
    await v2.stop();
    expect(rows(2)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(readModels.db.prepare(`SELECT DISTINCT version FROM ${tableNamesFor(2)('counted_events')}`).all()).toEqual([{ version: 2 }]);
    const oldTable = readModels.db.prepare("SELECT name FROM sqlite_master WHERE name = 'counted_events__g1'").get();
    expect(oldTable).toBeUndefined();
    expect(readModels.generations('counting').map((g) => g.status)).toEqual(['retired', 'live']);
  });

  it('rebuilds with the writes a few batches behind on another connection, each batch with its checkpoint', async () => {
    await append(200);
    const runner = new ProjectionRunner(store, readModels, [pipelinedCounting()], { batchSize: 16, rebuildWrites: 'deferred' });
    await runner.rebuild('counting');
    expect(rows(1)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(readModels.live('counting')?.position).toEqual(await store.headPosition());
  });

  for (const [failure, options, message] of [
    ['deciding a batch', { failOnDecide: 120 }, 'deciding failed'],
    ['writing a batch', { duplicateAt: 120 }, 'UNIQUE constraint failed'],
  ] as const) {
    it(`stops a pipelined rebuild at a failure ${failure} with whole batches and their checkpoint, and resumes from it`, async () => {
      await append(200);
      const runner = new ProjectionRunner(store, readModels, [pipelinedCounting(options)], { batchSize: 16, rebuildWrites: 'deferred' });
      await expect(runner.rebuild('counting')).rejects.toThrow(message);
      // The batches before the failed one are in, the failed one and those after it are not.
      const applied = rows(1);
      expect(applied.length).toBeGreaterThan(0);
      expect(applied).toEqual(Array.from({ length: applied.length }, (_, i) => i));
      expect(applied).not.toContain(120);
      const checkpoint = readModels.live('counting')!.position!;
      const lastApplied = applied[applied.length - 1];
      const positionOf = async (n: number) => {
        for await (const event of store.readAll()) if (event.stream.startsWith('counted-') && event.data.n === n) return event.position.commit;
        throw new Error(`no event ${n}`);
      };
      // The checkpoint is at the end of the last batch applied: after its last event, before 120's.
      expect(checkpoint.commit >= (await positionOf(lastApplied))).toBe(true);
      expect(checkpoint.commit < (await positionOf(120))).toBe(true);
      // Resuming from the checkpoint applies the rest once (a second insert would fail the key).
      const follower = new ProjectionRunner(store, readModels, [countingProjection()]);
      follower.start();
      const head = (await store.headPosition())!;
      await until(() => hasReached(readModels, 'counting', head));
      await follower.stop();
      expect(rows(1)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    });
  }

  it('rebuilds from zero into rows equal to the live ones', async () => {
    await append(150);
    const runner = new ProjectionRunner(store, readModels, [countingProjection()]);
    runner.start();
    const head = (await store.headPosition())!;
    await until(() => hasReached(readModels, 'counting', head));
    await runner.stop();
    const result = await runner.rebuild('counting', { compare: true });
    expect(result).toEqual({ generation: 2, differences: 0 });
    expect(rows(2)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    // A live generation that lost a row no longer compares equal.
    readModels.db.exec(`DELETE FROM ${tableNamesFor(2)('counted_events')} WHERE n = 7`);
    expect((await runner.rebuild('counting', { compare: true })).differences).toBe(1);
  });
});

describe('ProjectionRunner with another runner on the same read-model file', () => {
  /** Counts how often each event was applied: a second application shows as times = 2. */
  const tallying: Projection = {
    name: 'tally',
    version: 1,
    streamPrefixes: ['counted-'],
    tables: ['tally'],
    createSchema: (db, t) => db.exec(`CREATE TABLE ${t('tally')} (n INTEGER PRIMARY KEY, times INTEGER NOT NULL)`),
    apply: (db, events, t) => {
      const upsert = db.prepare(`INSERT INTO ${t('tally')} VALUES (?, 1) ON CONFLICT (n) DO UPDATE SET times = times + 1`);
      for (const event of events) upsert.run(event.data.n);
    },
  };

  it('never applies an event twice when two runners follow the same log into one file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'projections-shared-'));
    const store = SqliteEventStore.open({ path: join(dir, 'events.db') });
    const models = [ReadModelStore.open(join(dir, 'views.db')), ReadModelStore.open(join(dir, 'views.db'))];
    const runners = models.map((m) => new ProjectionRunner(store, m, [tallying], { batchSize: 7 }));
    runners.forEach((r) => r.start());
    let last;
    for (let n = 0; n < 300; n++) last = await store.append(`counted-${n % 9}`, [{ type: 'Counted', data: { n } }]);
    for (let i = 0; i < 400 && !hasReached(models[0], 'tally', last!.position); i++) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(runners.map((r) => r.stop()));
    const rows = models[0].db.prepare(`SELECT n, times FROM ${tableNamesFor(1)('tally')} ORDER BY n`).all() as Array<{ n: number; times: number }>;
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(rows.filter((r) => r.times !== 1)).toEqual([]);
    models.forEach((m) => m.close());
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
