import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { CorruptStoredEvent, DuplicateEventId } from '../errors';
import { positionOf } from '../position';
import { readsStoredText, type EventStore, type PageSubscription, type RecordedEvent, type StoredEventText } from '../event-store.port';
import { testEventStore } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

const dirs: string[] = [];
const paths = new WeakMap<EventStore, string>();
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ticket-store-'));
  dirs.push(dir);
  return join(dir, 'events.db');
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function open(path: string): SqliteEventStore {
  const store = SqliteEventStore.open({ path });
  paths.set(store, path);
  return store;
}

testEventStore('SQLite', {
  create: async () => open(tempFile()),
  connectAgain: async (store) => open(paths.get(store)!),
});

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('SQLite event store', () => {
  it('keeps event ids unique across streams, and such a failure writes none of its batch', async () => {
    const store = open(tempFile());
    const id = randomUUID();
    await store.append('s-1', [{ id, type: 'A', data: {} }]);
    const refused = store.append('s-2', [{ type: 'B', data: {} }, { id, type: 'C', data: {} }]);
    await expect(refused).rejects.toBeInstanceOf(DuplicateEventId);
    await expect(refused).rejects.toMatchObject({ eventId: id });
    await expect(collect(store.readStream('s-2'))).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
    await store.close();
  });

  it('opens in WAL mode with synchronous FULL by default, and close() releases the file', async () => {
    const path = tempFile();
    const store = open(path);
    await store.append('s', [{ type: 'A', data: {} }]);
    const peek = new Database(path, { readonly: true });
    expect(peek.pragma('journal_mode', { simple: true })).toBe('wal');
    peek.close();
    expect(existsSync(`${path}-wal`)).toBe(true);
    await store.close();
    // The last connection out checkpoints and removes the WAL; an exclusive lock is then free to take.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const exclusive = new Database(path);
    exclusive.pragma('locking_mode = EXCLUSIVE');
    exclusive.exec('BEGIN EXCLUSIVE; COMMIT;');
    expect(exclusive.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 1 });
    exclusive.close();
  });

  it('commits appends that arrive together in one group, each checked against the ones before it', async () => {
    const store = open(tempFile());
    await store.append('g', [{ type: 'A', data: {} }]);
    const outcomes = await Promise.allSettled([
      store.append('g', [{ type: 'B', data: {} }], { expectedRevision: 0 }),
      store.append('g', [{ type: 'C', data: {} }], { expectedRevision: 0 }),
      store.append('g', [{ type: 'D', data: {} }, { type: 'E', data: {} }], { expectedRevision: 1 }),
      store.append('h', [{ type: 'F', data: {} }], { expectedRevision: 'stream_exists' }),
      store.append('h', [{ type: 'G', data: {} }]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((await collect(store.readStream('g'))).map((e) => `${e.revision}:${e.type}`)).toEqual(['0:A', '1:B', '2:D', '3:E']);
    expect((await collect(store.readStream('h'))).map((e) => e.type)).toEqual(['G']);
    // The group shared one transaction: B, D, E and G have consecutive positions.
    const positions = (await collect(store.readAll())).map((e) => Number(e.position.commit));
    expect(positions).toEqual([0, 1, 2, 3, 4]);
    // Each append of the group got back its own events as stored.
    const g = await collect(store.readStream('g'));
    const h = await collect(store.readStream('h'));
    const handedBack = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.recorded : undefined));
    expect(handedBack).toEqual([[g[1]], undefined, [g[2], g[3]], undefined, [h[0]]]);
    await store.close();
  });

  it('writes the rest of a group when one append fails after it began to write (an id already stored)', async () => {
    const store = open(tempFile());
    const stored = randomUUID();
    await store.append('d0', [{ id: stored, type: 'A', data: {} }]);
    const outcomes = await Promise.allSettled([
      store.append('d1', [{ type: 'B', data: {} }]),
      store.append('d2', [{ type: 'C', data: {} }, { id: stored, type: 'D', data: {} }]),
      store.append('d1', [{ type: 'E', data: {} }], { expectedRevision: 0 }),
      store.append('d2', [{ type: 'F', data: {} }], { expectedRevision: 'no_stream' }),
      store.append('d1', [{ type: 'G', data: {} }], { expectedRevision: 0 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected']);
    expect(outcomes[1]).toMatchObject({ reason: { code: 'DUPLICATE_EVENT_ID', eventId: stored } });
    expect(outcomes[4]).toMatchObject({ reason: { code: 'WRONG_EXPECTED_REVISION' } });
    const all = await collect(store.readAll());
    expect(all.map((e) => `${e.position.commit}:${e.stream}:${e.revision}:${e.type}`)).toEqual(['0:d0:0:A', '1:d1:0:B', '2:d1:1:E', '3:d2:0:F']);
    // Each caller was told where its own events went.
    expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value)).toEqual([
      { nextExpectedRevision: 0, position: all[1].position },
      { nextExpectedRevision: 1, position: all[2].position },
      { nextExpectedRevision: 0, position: all[3].position },
    ]);
    await store.close();
  });

  it('fails only the append that SQLite refuses midway, and writes the others of its group', async () => {
    const path = tempFile();
    const store = open(path);
    await store.append('w0', [{ type: 'A', data: {} }]);
    const raw = new Database(path);
    raw.exec(`CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.type = 'Refused' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    raw.close();
    const outcomes = await Promise.allSettled([
      store.append('w1', [{ type: 'B', data: {} }], { expectedRevision: 'no_stream' }),
      store.append('w2', [{ type: 'C', data: {} }, { type: 'Refused', data: {} }]),
      store.append('w0', [{ type: 'D', data: {} }], { expectedRevision: 0 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: { code: 'EVENT_STORE_UNAVAILABLE' } });
    await expect(collect(store.readStream('w2'))).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
    const all = await collect(store.readAll());
    expect(all.map((e) => `${e.position.commit}:${e.stream}:${e.revision}:${e.type}`)).toEqual(['0:w0:0:A', '1:w1:0:B', '2:w0:1:D']);
    await store.close();
  });

  it('fails a whole group that SQLite rolls back midway, writing none of it', async () => {
    const path = tempFile();
    const store = open(path);
    const raw = new Database(path);
    raw.exec(`CREATE TRIGGER undo_all BEFORE INSERT ON events WHEN NEW.type = 'UndoAll' BEGIN SELECT RAISE(ROLLBACK, 'undone'); END`);
    raw.close();
    const outcomes = await Promise.allSettled([
      store.append('r1', [{ type: 'A', data: {} }], { expectedRevision: 'no_stream' }),
      store.append('r2', [{ type: 'UndoAll', data: {} }]),
      store.append('r3', [{ type: 'B', data: {} }]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await collect(store.readAll())).toEqual([]);
    // Nothing of the group is remembered either: r1 has still no events.
    await expect(store.append('r1', [{ type: 'C', data: {} }], { expectedRevision: 'no_stream' })).resolves.toMatchObject({ nextExpectedRevision: 0 });
    await store.close();
  });

  it('checks expected revisions against what another connection appended between its groups', async () => {
    const path = tempFile();
    const first = open(path);
    const second = open(path);
    await first.append('x', [{ type: 'A', data: {} }], { expectedRevision: 'no_stream' });
    await second.append('x', [{ type: 'B', data: {} }], { expectedRevision: 0 });
    const c = await first.append('x', [{ type: 'C', data: { n: 1 } }], { expectedRevision: 1 });
    expect(c).toMatchObject({ nextExpectedRevision: 2, position: positionOf(2) });
    // The events come back as stored: what reading them gives.
    expect(c.recorded).toEqual(await collect(first.readStream('x', { fromRevision: 2 })));
    await expect(first.append('x', [{ type: 'D', data: {} }], { expectedRevision: 1 })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
    await expect(second.append('x', [{ type: 'E', data: {} }], { expectedRevision: 1 })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
    await expect(second.append('x', [{ type: 'F', data: {} }], { expectedRevision: 2 })).resolves.toMatchObject({ nextExpectedRevision: 3, position: positionOf(3) });
    expect((await collect(first.readStream('x'))).map((e) => e.type)).toEqual(['A', 'B', 'C', 'F']);
    await second.close();
    await first.close();
  });

  it('writes appends accepted before close() and refuses those after', async () => {
    const path = tempFile();
    const store = open(path);
    const accepted = store.append('c', [{ type: 'A', data: {} }]);
    await store.close();
    await expect(accepted).resolves.toMatchObject({ nextExpectedRevision: 0 });
    await expect(store.append('c', [{ type: 'B', data: {} }])).rejects.toMatchObject({ code: 'EVENT_STORE_UNAVAILABLE' });
    const again = open(path);
    expect((await collect(again.readStream('c'))).map((e) => e.type)).toEqual(['A']);
    await again.close();
  });

  it('refuses a revision written behind its back (UNIQUE(stream, revision))', () => {
    const path = tempFile();
    const store = open(path);
    const raw = new Database(path);
    raw.prepare(`INSERT INTO events VALUES (0, ?, 's', 0, 'A', '{}', '{}', 'x')`).run(randomUUID());
    expect(() => raw.prepare(`INSERT INTO events VALUES (1, ?, 's', 0, 'A', '{}', '{}', 'x')`).run(randomUUID())).toThrow(/UNIQUE/);
    raw.close();
    return store.close();
  });

  it('hands out the stored text of the log and of one stream in pages, as readAll and readStream order them', async () => {
    const path = tempFile();
    const store = open(path);
    expect(readsStoredText(store)).toBe(true);
    // More than one page (500 rows) of each.
    await store.append('t-1', Array.from({ length: 700 }, (_, i) => ({ type: 'A', data: { z: i, a: 'é' }, metadata: { n: i } })));
    await store.append('t-2', [{ type: 'B', data: { b: [1, 2] } }]);
    await store.append('t-1', Array.from({ length: 400 }, (_, i) => ({ type: 'C', data: { z: 700 + i } })));
    const all: StoredEventText[] = [];
    let pages = 0;
    for await (const page of store.readAllText()) {
      pages += 1;
      all.push(...page);
    }
    expect(pages).toBeGreaterThan(1);
    const recorded = await collect(store.readAll());
    expect(all).toEqual(
      recorded.map((e) => ({ stream: e.stream, revision: e.revision, type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata) })),
    );
    expect(all[0].data).toBe('{"z":0,"a":"é"}');

    const stream: StoredEventText[] = [];
    for await (const page of store.readStreamText('t-1')) stream.push(...page);
    expect(stream.map((e) => e.revision)).toEqual(Array.from({ length: 1100 }, (_, i) => i));
    expect(stream.every((e) => e.stream === 't-1')).toBe(true);

    // The text is what is in the file, even when it is not JSON.
    const raw = new Database(path);
    raw.prepare(`UPDATE events SET data = 'not json' WHERE stream = 't-2'`).run();
    raw.close();
    for await (const page of store.readStreamText('t-2')) expect(page).toEqual([{ stream: 't-2', revision: 0, type: 'B', data: 'not json', metadata: '{}' }]);
    await store.close();
  });

  it('reads the log after a position in pages, as readAll reads it, and a corrupt row as CorruptStoredEvent', async () => {
    const path = tempFile();
    const store = open(path);
    for (let n = 0; n < 25; n++) await store.append(`p-${n % 4}`, [{ type: 'A', data: { n } }, { type: 'B', data: { n } }]);
    const all = await collect(store.readAll());
    const pagesAfter = async (position: (typeof all)[number]['position'] | undefined, size: number) => {
      const pages: RecordedEvent[][] = [];
      for await (const page of store.readPagesAfter(position, size)) pages.push([...page]);
      return pages;
    };
    const fromStart = await pagesAfter(undefined, 7);
    expect(fromStart.map((page) => page.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    expect(fromStart.flat()).toEqual(all);
    // A full last page is followed by no empty one.
    expect((await pagesAfter(undefined, 10)).map((page) => page.length)).toEqual([10, 10, 10, 10, 10]);
    expect((await pagesAfter(all[9].position, 100)).flat()).toEqual(all.slice(10));
    expect(await pagesAfter(all[49].position, 100)).toEqual([]);

    const raw = new Database(path);
    raw.prepare(`UPDATE events SET metadata = '{' WHERE position = 20`).run();
    raw.close();
    const read: RecordedEvent[] = [];
    await expect(
      (async () => {
        for await (const page of store.readPagesAfter(undefined, 10)) read.push(...page);
      })(),
    ).rejects.toBeInstanceOf(CorruptStoredEvent);
    expect(read).toEqual(all.slice(0, 20));
    await store.close();
    await expect(pagesAfter(undefined, 10)).rejects.toMatchObject({ code: 'EVENT_STORE_UNAVAILABLE' });
  });

  it('reads pages with only the metadata fields asked for, each as stored, and still refuses a corrupt row', async () => {
    const path = tempFile();
    const store = open(path);
    await store.append('f-1', [{ type: 'A', data: { n: 1 }, metadata: { schemaVersion: 2, actor: 'desk-7', nested: { a: [1, 'x'] } } }]);
    await store.append('f-2', [{ type: 'A', data: { n: 2 }, metadata: { actor: 'desk-8' } }]);
    await store.append('f-3', [{ type: 'B', data: { n: 3 }, metadata: { schemaVersion: 1, nested: 'text', flag: false } }]);
    await store.append('f-4', [{ type: 'B', data: { n: 4 }, metadata: { schemaVersion: null, nested: 1.5e300, flag: -0.000123, s: '"é\n😀\\' } }]);
    await store.append('f-5', [{ type: 'B', data: { n: 5 }, metadata: { nested: 12345678901234567890, flag: true } }]);
    const all = await collect(store.readAll());
    const read = async (fields: readonly string[], size = 2) => {
      const pages: RecordedEvent[][] = [];
      for await (const page of store.readPagesAfter(undefined, size, { metadataFields: fields })) pages.push([...page]);
      return pages;
    };
    const pick = (event: RecordedEvent, fields: readonly string[]) =>
      Object.fromEntries(fields.filter((field) => field in event.metadata).map((field) => [field, event.metadata[field]]));

    for (const fields of [['schemaVersion'], ['schemaVersion', 'nested'], ['nested', 'flag', 'missing', 's'], []]) {
      const pages = await read(fields);
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      // Everything but the metadata as a whole read gives it; the metadata holds the fields asked for that the event has.
      expect(pages.flat()).toStrictEqual(all.map((event) => ({ ...event, metadata: pick(event, fields) })));
    }
    // A field stored as null is there, as null; one the event does not have is not.
    expect((await read(['schemaVersion'])).flat().map((event) => event.metadata)).toStrictEqual([{ schemaVersion: 2 }, {}, { schemaVersion: 1 }, { schemaVersion: null }, {}]);

    // Metadata SQLite does not read as an object comes back as the whole read gives it.
    const deep = `${'['.repeat(1500)}${']'.repeat(1500)}`;
    const edit = new Database(path);
    edit.prepare(`UPDATE events SET metadata = ? WHERE stream = 'f-3'`).run(`{"schemaVersion":3,"deep":${deep}}`);
    edit.prepare(`UPDATE events SET metadata = 'null' WHERE stream = 'f-4'`).run();
    edit.prepare(`UPDATE events SET metadata = '[1,"x"]' WHERE stream = 'f-5'`).run();
    edit.close();
    const edited = await collect(store.readAll());
    expect(edited.slice(2).map((event) => event.metadata)).toStrictEqual([{ schemaVersion: 3, deep: JSON.parse(deep) }, null, [1, 'x']]);
    expect((await read(['schemaVersion'])).flat().map((event) => event.metadata)).toStrictEqual([{ schemaVersion: 2 }, {}, { schemaVersion: 3 }, null, [1, 'x']]);
    await expect(read(['__proto__'])).rejects.toMatchObject({ code: 'INVALID_EVENT_STORE_INPUT' });

    await expect(read(["x') --"])).rejects.toMatchObject({ code: 'INVALID_EVENT_STORE_INPUT' });
    const raw = new Database(path);
    raw.prepare(`UPDATE events SET metadata = '{"schemaVersion":' WHERE stream = 'f-2'`).run();
    raw.close();
    await expect(read(['schemaVersion'])).rejects.toBeInstanceOf(CorruptStoredEvent);
    await store.close();
  });

  it('reads an in-memory database in pages, as readAll reads it', async () => {
    const store = SqliteEventStore.open({ path: ':memory:' });
    for (let n = 0; n < 12; n++) await store.append(`m-${n % 3}`, [{ type: 'A', data: { n } }]);
    const pages: RecordedEvent[][] = [];
    for await (const page of store.readPagesAfter(undefined, 5)) pages.push([...page]);
    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    expect(pages.flat()).toEqual(await collect(store.readAll()));
    await store.close();
  });

  it('reads the stored text of a stream that does not exist as StreamNotFound, and of a closed store as unavailable', async () => {
    const store = open(tempFile());
    await store.append('t', [{ type: 'A', data: {} }]);
    const drain = async (pages: AsyncIterable<readonly StoredEventText[]>) => {
      for await (const page of pages) void page;
    };
    await expect(drain(store.readStreamText('missing'))).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
    await store.close();
    await expect(drain(store.readAllText())).rejects.toMatchObject({ code: 'EVENT_STORE_UNAVAILABLE' });
    await expect(drain(store.readStreamText('t'))).rejects.toMatchObject({ code: 'EVENT_STORE_UNAVAILABLE' });
  });

  describe('followPagesAfter', () => {
    /** Pages until `count` events have come, then closes the subscription. */
    async function take(subscription: PageSubscription, count: number): Promise<RecordedEvent[][]> {
      const pages: RecordedEvent[][] = [];
      let seen = 0;
      for await (const page of subscription) {
        pages.push([...page]);
        seen += page.length;
        if (seen >= count) break;
      }
      await subscription.close();
      return pages;
    }
    const label = (e: RecordedEvent) => `${e.position.commit}:${e.stream}:${e.revision}:${e.type}`;

    it('hands over the log after a position, then every commit of this connection and of another one, in order, once each', async () => {
      const path = tempFile();
      const store = open(path);
      const other = SqliteEventStore.open({ path, pollIntervalMs: 5 });
      await store.append('f1', [{ type: 'A', data: {} }, { type: 'B', data: {} }, { type: 'C', data: {} }]);
      const following = take(store.followPagesAfter(positionOf(0), 2), 8);
      await store.append('f1', [{ type: 'D', data: {} }]);
      await other.append('f2', [{ type: 'E', data: {} }, { type: 'F', data: {} }]);
      await Promise.all([store.append('f3', [{ type: 'G', data: {} }]), store.append('f4', [{ type: 'H', data: {} }])]);
      await other.append('f2', [{ type: 'I', data: {} }]);
      const pages = await following;
      expect(pages.every((page) => page.length >= 1 && page.length <= 2)).toBe(true);
      const all = await collect(store.readAll());
      expect(pages.flat().map(label)).toEqual(all.slice(1).map(label));
      expect(pages.flat()).toEqual(all.slice(1));
      await other.close();
      await store.close();
    });

    it('parses what this connection commits once for all its followers', async () => {
      const store = open(tempFile());
      await store.append('g0', [{ type: 'A', data: {} }]);
      const head = await store.headPosition();
      const a = take(store.followPagesAfter(head, 100), 2);
      const b = take(store.followPagesAfter(head, 100), 2);
      await store.append('g1', [{ type: 'B', data: { n: 1 } }, { type: 'C', data: { n: 2 } }]);
      const [pagesA, pagesB] = await Promise.all([a, b]);
      expect(pagesA.flat().map(label)).toEqual(['1:g1:0:B', '2:g1:1:C']);
      expect(pagesB.flat()[0]).toBe(pagesA.flat()[0]);
      expect(pagesB.flat()[1]).toBe(pagesA.flat()[1]);
      await store.close();
    });

    it('hands over exactly what a group written one append at a time committed', async () => {
      const store = open(tempFile());
      const stored = randomUUID();
      await store.append('d0', [{ id: stored, type: 'A', data: {} }]);
      const following = take(store.followPagesAfter(await store.headPosition(), 100), 3);
      await Promise.allSettled([
        store.append('d1', [{ type: 'B', data: {} }]),
        store.append('d2', [{ type: 'C', data: {} }, { id: stored, type: 'D', data: {} }]),
        store.append('d1', [{ type: 'E', data: {} }], { expectedRevision: 0 }),
        store.append('d3', [{ type: 'F', data: {} }]),
      ]);
      await store.append('d4', [{ type: 'G', data: {} }]);
      const seen = (await following).flat();
      expect(seen.map(label)).toEqual(['1:d1:0:B', '2:d1:1:E', '3:d3:0:F']);
      expect(seen).toEqual((await collect(store.readAll())).slice(1, 4));
      await store.close();
    });

    it('while nothing is committed an idle follower does not read the file; a commit of either connection after the quiet is read', async () => {
      const path = tempFile();
      const writer = open(path);
      await writer.append('q0', [{ type: 'A', data: {} }]);
      // A connection that only follows, as the projections' worker thread has.
      const follower = SqliteEventStore.open({ path, pollIntervalMs: 5 });
      const statement = (follower as unknown as { pageStmt: { all: (...args: unknown[]) => unknown[] } }).pageStmt;
      const read = statement.all.bind(statement);
      let fileReads = 0;
      statement.all = (...args) => (fileReads++, read(...args));
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

      // Closing the stores ends the follower, also when an expectation fails.
      try {
        const following = take(follower.followPagesAfter(await follower.headPosition(), 100), 3);
        await pause(150);
        // About thirty polls: the first read found nothing, and no connection committed since.
        expect(fileReads).toBeLessThanOrEqual(2);
        await writer.append('q1', [{ type: 'B', data: {} }]);
        await pause(100);
        // One of this connection's own groups, written one append at a time (a duplicate id in it).
        const stored = (await collect(writer.readAll()))[0].id;
        await Promise.allSettled([follower.append('q2', [{ type: 'C', data: {} }]), follower.append('q3', [{ type: 'D', data: {} }, { id: stored, type: 'X', data: {} }])]);
        await pause(100);
        await writer.append('q4', [{ type: 'E', data: {} }]);
        expect((await following).flat().map(label)).toEqual(['1:q1:0:B', '2:q2:0:C', '3:q4:0:E']);
      } finally {
        await follower.close();
        await writer.close();
      }
    });

    it('tells onCommitted listeners of each group this connection commits, and poke makes another connection read the file at once', async () => {
      const path = tempFile();
      const writer = open(path);
      // A poll far longer than the test: only a poke can bring the follower what the writer commits.
      const follower = SqliteEventStore.open({ path, pollIntervalMs: 60_000 });
      try {
        await writer.append('p0', [{ type: 'A', data: {} }]);
        const following = take(follower.followPagesAfter(await follower.headPosition(), 100), 2);
        let told = 0;
        const stop = writer.onCommitted(() => {
          told++;
          follower.poke();
        });
        // Let the follower read the file once and start waiting.
        await new Promise((resolve) => setTimeout(resolve, 20));
        await Promise.all([writer.append('p1', [{ type: 'B', data: {} }]), writer.append('p2', [{ type: 'C', data: {} }])]);
        expect(told).toBe(1); // one group
        await writer.append('p3', [{ type: 'D', data: {} }]);
        expect(told).toBe(2);
        const pages = await following;
        expect(pages.flat().map(label)).toEqual(['1:p1:0:B', '2:p2:0:C']);
        stop();
        await writer.append('p4', [{ type: 'E', data: {} }]);
        expect(told).toBe(2);
      } finally {
        await follower.close();
        await writer.close();
      }
    });

    it('keeps a poke that comes while the follower is busy with a page, and ignores a listener that throws', async () => {
      const path = tempFile();
      const writer = open(path);
      const follower = SqliteEventStore.open({ path, pollIntervalMs: 60_000 });
      const within = <T>(promise: Promise<T>) =>
        Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no page within 2 s')), 2000))]);
      try {
        const subscription = follower.followPagesAfter(undefined, 100);
        const pages = subscription[Symbol.asyncIterator]();
        const first = pages.next();
        // The follower's own commit comes from memory; it then holds that page, not waiting.
        await follower.append('own', [{ type: 'A', data: {} }]);
        expect(((await within(first)).value as RecordedEvent[]).map(label)).toEqual(['0:own:0:A']);
        await writer.append('other', [{ type: 'B', data: {} }]);
        follower.poke();
        expect(((await within(pages.next())).value as RecordedEvent[]).map(label)).toEqual(['1:other:0:B']);
        await subscription.close();

        let toldAfter = 0;
        writer.onCommitted(() => {
          throw new Error('a listener that fails');
        });
        writer.onCommitted(() => toldAfter++);
        await writer.append('w1', [{ type: 'C', data: {} }]);
        await writer.append('w2', [{ type: 'D', data: {} }]);
        expect(toldAfter).toBe(2);
      } finally {
        await follower.close();
        await writer.close();
      }
    });

    it('ends a follower waiting for commits when it is closed, and when the store closes', async () => {
      const store = open(tempFile());
      const closedBySubscriber = store.followPagesAfter(undefined, 10);
      const waiting = take(closedBySubscriber, 1);
      await closedBySubscriber.close();
      expect(await waiting).toEqual([]);
      const closedByStore = take(store.followPagesAfter(undefined, 10), 1);
      await store.close();
      expect(await closedByStore).toEqual([]);
    });
  });
});
