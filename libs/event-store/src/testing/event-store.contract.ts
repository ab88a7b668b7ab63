import { randomUUID } from 'node:crypto';
import {
  EventStoreUnavailable,
  InvalidEventStoreInput,
  StreamNotFound,
  WrongExpectedRevision,
} from '../errors';
import type { EventStore, EventToAppend, RecordedEvent } from '../event-store.port';
import { comparePositions } from '../position';

/** How the contract suite gets stores: a fresh one, and a second connection to the same one. */
export interface EventStoreFactory {
  create(): Promise<EventStore>;
  /** Another client of the store that `store` uses (another connection, another file handle). */
  connectAgain(store: EventStore): Promise<EventStore>;
}

const event = (type: string, data: Record<string, unknown> = {}, metadata?: Record<string, unknown>): EventToAppend => ({
  type,
  data,
  metadata,
});

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/**
 * The contract every EventStore adapter keeps. Each test writes to streams of its own (a random
 * prefix), so one server can serve the whole suite.
 */
export function testEventStore(name: string, factory: EventStoreFactory): void {
  describe(`${name}: the event store contract`, () => {
    let store: EventStore;
    let prefix: string;
    const opened: EventStore[] = [];
    const stream = (suffix = 'a') => `${prefix}-${suffix}`;

    beforeAll(async () => {
      store = await factory.create();
      opened.push(store);
    });
    afterAll(async () => {
      for (const each of opened.reverse()) await each.close();
    });
    beforeEach(() => {
      prefix = `t${randomUUID().replace(/-/g, '')}`;
    });

    describe('expected revision', () => {
      it("'no_stream' creates a stream once and conflicts after", async () => {
        const first = await store.append(stream(), [event('Opened')], { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(0);
        const error = await rejection(store.append(stream(), [event('Opened')], { expectedRevision: 'no_stream' }));
        expect(error).toBeInstanceOf(WrongExpectedRevision);
        expect((error as WrongExpectedRevision).actual).toBe(0);
      });

      it('an exact revision goes through only when it is the last one', async () => {
        await store.append(stream(), [event('A'), event('B')], { expectedRevision: 'no_stream' });
        const stale = await rejection(store.append(stream(), [event('C')], { expectedRevision: 0 }));
        expect(stale).toBeInstanceOf(WrongExpectedRevision);
        const ahead = await rejection(store.append(stream(), [event('C')], { expectedRevision: 5 }));
        expect(ahead).toBeInstanceOf(WrongExpectedRevision);
        const ok = await store.append(stream(), [event('C')], { expectedRevision: 1 });
        expect(ok.nextExpectedRevision).toBe(2);
      });

      it('an exact revision on a missing stream conflicts', async () => {
        const error = await rejection(store.append(stream(), [event('A')], { expectedRevision: 0 }));
        expect(error).toBeInstanceOf(WrongExpectedRevision);
        expect((error as WrongExpectedRevision).actual).toBe('no_stream');
      });

      it("'stream_exists' needs an existing stream", async () => {
        const missing = await rejection(store.append(stream(), [event('A')], { expectedRevision: 'stream_exists' }));
        expect(missing).toBeInstanceOf(WrongExpectedRevision);
        await store.append(stream(), [event('A')]);
        const ok = await store.append(stream(), [event('B')], { expectedRevision: 'stream_exists' });
        expect(ok.nextExpectedRevision).toBe(1);
      });

      it("'any' (the default) appends to a missing or an existing stream", async () => {
        expect((await store.append(stream(), [event('A')], { expectedRevision: 'any' })).nextExpectedRevision).toBe(0);
        expect((await store.append(stream(), [event('B')])).nextExpectedRevision).toBe(1);
      });
    });

    describe('atomic appends', () => {
      it('writes every event of a conflicting append or none', async () => {
        await store.append(stream(), [event('A')]);
        await rejection(store.append(stream(), [event('B'), event('C'), event('D')], { expectedRevision: 'no_stream' }));
        const events = await collect(store.readStream(stream()));
        expect(events.map((e) => e.type)).toEqual(['A']);
      });

      it('writes nothing when one event of the batch is invalid', async () => {
        const error = await rejection(
          store.append(stream(), [event('A'), { type: 'B', data: { when: new Date() } as never }]),
        );
        expect(error).toBeInstanceOf(InvalidEventStoreInput);
        expect(await rejection(collect(store.readStream(stream())))).toBeInstanceOf(StreamNotFound);
      });

      it('gives the events of one append consecutive revisions and positions', async () => {
        const result = await store.append(stream(), [event('A'), event('B'), event('C')]);
        const events = await collect(store.readStream(stream()));
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(result.nextExpectedRevision).toBe(2);
        expect(comparePositions(result.position, events[2].position)).toBe(0);
        for (let i = 1; i < events.length; i++) expect(comparePositions(events[i - 1].position, events[i].position)).toBe(-1);
      });
    });

    describe('reading a stream', () => {
      it('reads forwards and backwards, from a revision, at most maxCount', async () => {
        const types = Array.from({ length: 10 }, (_, i) => `E${i}`);
        await store.append(stream(), types.map((type) => event(type, { n: Number(type.slice(1)) })));
        const all = await collect(store.readStream(stream()));
        expect(all.map((e) => e.type)).toEqual(types);
        expect(all.map((e) => e.data.n)).toEqual(types.map((_, i) => i));
        expect((await collect(store.readStream(stream(), { fromRevision: 7 }))).map((e) => e.revision)).toEqual([7, 8, 9]);
        expect((await collect(store.readStream(stream(), { direction: 'backwards', maxCount: 3 }))).map((e) => e.revision)).toEqual([9, 8, 7]);
        expect(
          (await collect(store.readStream(stream(), { direction: 'backwards', fromRevision: 2 }))).map((e) => e.revision),
        ).toEqual([2, 1, 0]);
        expect((await collect(store.readStream(stream(), { fromRevision: 3, maxCount: 2 }))).map((e) => e.revision)).toEqual([3, 4]);
        expect(await collect(store.readStream(stream(), { fromRevision: 10 }))).toEqual([]);
      });

      it('pages through a stream longer than one page', async () => {
        for (let batch = 0; batch < 12; batch++) {
          await store.append(stream(), Array.from({ length: 100 }, (_, i) => event('Counted', { n: batch * 100 + i })));
        }
        const events = await collect(store.readStream(stream()));
        expect(events).toHaveLength(1200);
        expect(events.every((e, i) => e.revision === i && e.data.n === i)).toBe(true);
        const backwards = await collect(store.readStream(stream(), { direction: 'backwards' }));
        expect(backwards.map((e) => e.revision)).toEqual(events.map((e) => e.revision).reverse());
      });

      it('raises StreamNotFound for a stream with no events', async () => {
        const error = await rejection(collect(store.readStream(stream('missing'))));
        expect(error).toBeInstanceOf(StreamNotFound);
        expect((error as StreamNotFound).stream).toBe(stream('missing'));
      });

      it('returns ids, types, data, metadata and recording time as written', async () => {
        const id = randomUUID();
        await store.append(stream(), [{ id, type: 'Tagged', data: { a: [1, 'two', null, { b: true }] }, metadata: { actor: 'x' } }]);
        const [read] = await collect(store.readStream(stream()));
        expect(read).toMatchObject({ id, stream: stream(), revision: 0, type: 'Tagged', data: { a: [1, 'two', null, { b: true }] } });
        expect(read.metadata).toEqual({ actor: 'x' });
        expect(Number.isNaN(Date.parse(read.recordedAt))).toBe(false);
      });
    });

    describe('the global log', () => {
      it('orders positions strictly across streams, and readAll is inclusive of its start', async () => {
        const results = [];
        for (let i = 0; i < 6; i++) results.push(await store.append(stream(`s${i % 3}`), [event('Step', { i })]));
        for (let i = 1; i < results.length; i++) expect(comparePositions(results[i - 1].position, results[i].position)).toBe(-1);

        const ours = (await collect(store.readAll({ fromPosition: results[0].position }))).filter((e) => e.stream.startsWith(prefix));
        expect(ours.map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(comparePositions(ours[0].position, results[0].position)).toBe(0);
        const two = await collect(store.readAll({ fromPosition: results[3].position, maxCount: 2 }));
        expect(two.map((e) => e.data.i)).toEqual([3, 4]);
        const head = await store.headPosition();
        expect(head && comparePositions(head, results[5].position)).toBeGreaterThanOrEqual(0);
      });
    });

    describe('subscribeToAll', () => {
      it('yields exactly the events after its start, in order, with no gap and no duplicate, while 10,000 are appended', async () => {
        const marker = await store.append(stream('marker'), [event('Marker')]);
        const subscription = store.subscribeToAll({ fromPosition: marker.position, filter: { streamPrefixes: [`${prefix}-w`] } });
        const writers = 8;
        const perWriter = 125; // appends of 10 events each: 8 * 125 * 10 = 10,000 events
        const writing = Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) {
              await store.append(
                stream(`w${w}`),
                Array.from({ length: 10 }, (_, k) => event('Written', { w, n: i * 10 + k })),
              );
            }
          }),
        );
        const received: RecordedEvent[] = [];
        for await (const e of subscription) {
          received.push(e);
          if (received.length === writers * perWriter * 10) break;
        }
        await writing;
        await subscription.close();

        expect(received).toHaveLength(10000);
        for (let i = 1; i < received.length; i++) expect(comparePositions(received[i - 1].position, received[i].position)).toBe(-1);
        expect(new Set(received.map((e) => e.id)).size).toBe(10000);
        for (let w = 0; w < writers; w++) {
          const mine = received.filter((e) => e.stream === stream(`w${w}`));
          expect(mine.map((e) => e.revision)).toEqual(Array.from({ length: perWriter * 10 }, (_, i) => i));
          expect(mine.map((e) => e.data.n)).toEqual(Array.from({ length: perWriter * 10 }, (_, i) => i));
        }
      }, 120_000);

      it('resumes after a position without repeating it', async () => {
        const results = [];
        for (let i = 0; i < 5; i++) results.push(await store.append(stream(), [event('Step', { i })]));
        const subscription = store.subscribeToAll({ fromPosition: results[1].position, filter: { streamPrefixes: [prefix] } });
        const seen: number[] = [];
        for await (const e of subscription) {
          seen.push(e.data.i as number);
          if (seen.length === 3) break;
        }
        await subscription.close();
        expect(seen).toEqual([2, 3, 4]);
      });

      it('filters by stream prefix and by event type, and goes live after catching up', async () => {
        await store.append(stream('x'), [event('Keep', { n: 1 }), event('Drop', { n: 2 })]);
        await store.append(stream('y'), [event('Keep', { n: 3 })]);
        const head = await store.append(`${prefix}other-z`, [event('Keep', { n: 0 })]);
        const byType = store.subscribeToAll({ filter: { streamPrefixes: [`${prefix}-`], eventTypes: ['Keep'] } });
        const seen: number[] = [];
        const done = (async () => {
          for await (const e of byType) {
            seen.push(e.data.n as number);
            if (seen.length === 3) break;
          }
        })();
        // The third matching event arrives while the subscription is live.
        await new Promise((resolve) => setTimeout(resolve, 50));
        await store.append(stream('x'), [event('Drop', { n: 98 }), event('Keep', { n: 4 })]);
        await done;
        await byType.close();
        expect(seen).toEqual([1, 3, 4]);
        expect(head.nextExpectedRevision).toBe(0);

        const onlyTypes = store.subscribeToAll({ fromPosition: head.position, filter: { eventTypes: [`Drop`] } });
        await store.append(stream('q'), [event('Keep'), event('Drop', { n: 99 })]);
        for await (const e of onlyTypes) {
          if (e.stream.startsWith(prefix)) {
            expect(e.type).toBe('Drop');
            if (e.data.n === 99) break;
          }
        }
        await onlyTypes.close();
      });

      it('ends a pending iteration when closed', async () => {
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [`${prefix}-never`] } });
        const iterator = subscription[Symbol.asyncIterator]();
        const pending = iterator.next();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await subscription.close();
        await expect(pending).resolves.toMatchObject({ done: true });
      });
      it('stops when its consumer returns while it waits for events', async () => {
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [`${prefix}-never`] } });
        const iterator = subscription[Symbol.asyncIterator]();
        const pending = iterator.next();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await iterator.return!();
        await expect(pending).resolves.toMatchObject({ done: true });
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of two racing appenders win each revision', async () => {
        const other = await factory.connectAgain(store);
        opened.push(other);
        const clients = [store, other];
        const wins = new Map<number, number>();
        let conflicts = 0;
        await Promise.all(
          Array.from({ length: 6 }, async (_, racer) => {
            const client = clients[racer % 2];
            let written = 0;
            while (written < 5) {
              const last = await collect(client.readStream(stream(), { direction: 'backwards', maxCount: 1 })).catch(() => []);
              const expected = last.length === 0 ? ('no_stream' as const) : last[0].revision;
              try {
                await client.append(stream(), [event('Raced', { racer, written })], { expectedRevision: expected });
                const revision = expected === 'no_stream' ? 0 : expected + 1;
                wins.set(revision, (wins.get(revision) ?? 0) + 1);
                written += 1;
              } catch (error) {
                if (!(error instanceof WrongExpectedRevision)) throw error;
                conflicts += 1;
              }
            }
          }),
        );
        const events = await collect(store.readStream(stream()));
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 30 }, (_, i) => i));
        expect([...wins.values()].every((count) => count === 1)).toBe(true);
        expect(wins.size).toBe(30);
        for (let racer = 0; racer < 6; racer++) {
          expect(events.filter((e) => e.data.racer === racer).map((e) => e.data.written)).toEqual([0, 1, 2, 3, 4]);
        }
        // The racers read before any of them writes, so some attempts must have lost.
        expect(conflicts).toBeGreaterThan(0);
      }, 60_000);
    });

    describe('appends in flight together', () => {
      it('give each append its own outcome: one conflict fails that append only', async () => {
        await store.append(stream('m'), [event('A')]);
        const [b, c, d, g, p] = await Promise.allSettled([
          store.append(stream('m'), [event('B')], { expectedRevision: 0 }),
          store.append(stream('m'), [event('C')], { expectedRevision: 0 }),
          store.append(stream('n'), [event('D')], { expectedRevision: 'no_stream' }),
          store.append(stream('n'), [event('G')], { expectedRevision: 'no_stream' }),
          store.append(stream('p'), [event('P1'), event('P2')]),
        ]);
        expect([b, c].filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect([b, c].find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(WrongExpectedRevision) });
        expect([d, g].filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(p.status).toBe('fulfilled');
        expect((await collect(store.readStream(stream('m')))).map((e) => e.type)).toEqual(['A', b.status === 'fulfilled' ? 'B' : 'C']);
        expect(await collect(store.readStream(stream('n')))).toHaveLength(1);
        expect((await collect(store.readStream(stream('p')))).map((e) => e.type)).toEqual(['P1', 'P2']);
      });

      it('are all durable and distinct when hundreds go at once', async () => {
        const results = await Promise.all(
          Array.from({ length: 300 }, (_, i) => store.append(stream(`burst-${i % 30}`), [event('Burst', { i })])),
        );
        const positions = results.map((r) => r.position);
        expect(new Set(positions.map((p) => `${p.commit}/${p.prepare}`)).size).toBe(300);
        for (let s = 0; s < 30; s++) {
          const events = await collect(store.readStream(stream(`burst-${s}`)));
          expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 10 }, (_, i) => i));
        }
      });
    });

    describe('what it holds', () => {
      it('round-trips an event of 1 MiB and non-ASCII text', async () => {
        const big = 'x'.repeat(1024 * 1024);
        const text = '售后服务 — réparation 🛠️ \u0000 end';
        await store.append(stream(), [event('Big', { big })]);
        await store.append(stream(), [event('Text', { text, [text]: text }, { note: text })]);
        const [first, second] = await collect(store.readStream(stream()));
        expect(first.data.big).toBe(big);
        expect(second.data).toEqual({ text, [text]: text });
        expect(second.metadata).toEqual({ note: text });
      }, 60_000);

      it.each([
        ['an empty stream name', () => store.append('', [event('A')])],
        ['a blank stream name', () => store.append('   ', [event('A')])],
        ['no events', () => store.append(stream(), [])],
        ['an empty event type', () => store.append(stream(), [event('')])],
        ['data that is not an object', () => store.append(stream(), [{ type: 'A', data: 'text' as never }])],
        ['data holding undefined', () => store.append(stream(), [event('A', { gone: undefined })])],
        ['data holding NaN', () => store.append(stream(), [event('A', { n: Number.NaN })])],
        ['data holding a bigint', () => store.append(stream(), [event('A', { n: 1n as never })])],
        ['data holding a Map', () => store.append(stream(), [event('A', { m: new Map() as never })])],
        ['an id that is not a UUID', () => store.append(stream(), [{ id: 'nope', type: 'A', data: {} }])],
        ['an event over 4 MiB', () => store.append(stream(), [event('Huge', { big: 'y'.repeat(4 * 1024 * 1024 + 1) })])],
        ['a negative expected revision', () => store.append(stream(), [event('A')], { expectedRevision: -3 })],
      ])('refuses %s with the typed error and writes nothing', async (_label, call) => {
        expect(await rejection(call())).toBeInstanceOf(InvalidEventStoreInput);
        expect(await rejection(collect(store.readStream(stream())))).toBeInstanceOf(StreamNotFound);
      });

      it('refuses a cyclic value', async () => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        expect(await rejection(store.append(stream(), [event('A', cyclic)]))).toBeInstanceOf(InvalidEventStoreInput);
      });
    });

    describe('closing', () => {
      it('fails later calls with EventStoreUnavailable', async () => {
        const own = await factory.connectAgain(store);
        await own.append(stream(), [event('A')]);
        await own.close();
        expect(await rejection(own.append(stream(), [event('B')]))).toBeInstanceOf(EventStoreUnavailable);
        await own.close(); // closing twice is harmless
        const events = await collect(store.readStream(stream()));
        expect(events.map((e) => e.type)).toEqual(['A']);
      });
    });
  });
}

