import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readStreamOrEmpty, SqliteEventStore } from '@app/event-store';
import { CommandStreams, type Fold } from './command-streams';
import { runCommand, type AggregateType } from './stream-commands';
import type { CommandContext } from '../tickets/command-context';

/** A counter aggregate: its state is the list of numbers its events carry, in order. */
const numbers: Fold<readonly number[]> = (recorded, from = []) => [...from, ...recorded.map((event) => event.data.n as number)];

const COUNTER: AggregateType<readonly number[], { add: number }, { type: 'Added'; data: { n: number } }> = {
  name: 'counter',
  streamOf: (id) => `counter-${id}`,
  fold: numbers,
  decide: (command, state) =>
    state.includes(command.add)
      ? { ok: false, error: { code: 'ALREADY_ADDED', kind: 'conflict', message: `${command.add} is already there` } }
      : { ok: true, events: [{ type: 'Added', data: { n: command.add } }] },
  schemaVersion: () => 1,
};

const context = (commandId: string): CommandContext => ({
  commandId,
  idempotent: false,
  correlationId: commandId,
  actor: { keyId: 'key-test', role: 'service' } as CommandContext['actor'],
  requestHash: commandId,
});

describe('CommandStreams (what commands remember of their streams)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let other: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'command-streams-'));
    store = SqliteEventStore.open({ path: join(dir, 'events.db') });
    // Another writer on the same file, as another process would be.
    other = SqliteEventStore.open({ path: join(dir, 'events.db'), pollIntervalMs: 5 });
  });

  afterEach(async () => {
    await store.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const add = (writer: SqliteEventStore, stream: string, ...ns: number[]) =>
    writer.append(
      stream,
      ns.map((n) => ({ type: 'Added', data: { n }, metadata: {} })),
    );

  it('hands out a remembered stream without reading it, and reads fresh only the events after those it remembers, whoever wrote them', async () => {
    const streams = new CommandStreams(store);
    await add(store, 'counter-a', 1, 2, 3);
    const first = await streams.load('counter-a', numbers, { fresh: true });
    expect(first).toMatchObject({ state: [1, 2, 3], fresh: true });

    await add(other, 'counter-a', 4, 5);
    // As remembered: another writer's events are not seen until a fresh load.
    expect(await streams.load('counter-a', numbers)).toMatchObject({ state: [1, 2, 3], fresh: false });
    const second = await streams.load('counter-a', numbers, { fresh: true });
    expect(second.fresh).toBe(true);
    expect(second.state).toEqual([1, 2, 3, 4, 5]);
    expect(second.recorded.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
    // The first three are the objects read before: they were not read again.
    expect(second.recorded.slice(0, 3).every((event, i) => event === first.recorded[i])).toBe(true);
    // And the whole is what reading the stream from the start gives.
    const whole = await readStreamOrEmpty(store, 'counter-a');
    expect(second.recorded).toEqual(whole);
    expect(second.state).toEqual(numbers(whole));
    // And that is remembered.
    expect((await streams.load('counter-a', numbers)).state).toEqual([1, 2, 3, 4, 5]);
  });

  it('does not remember a stream that does not exist, and hands out one it does not remember as empty unless asked to read it', async () => {
    const streams = new CommandStreams(store);
    expect(await streams.load('counter-none', numbers, { fresh: true })).toEqual({ recorded: [], state: [], fresh: true });
    // Not read: a stream not remembered is taken for a new one, to be found out by the append.
    await add(other, 'counter-b', 1);
    expect(await streams.load('counter-b', numbers)).toEqual({ recorded: [], state: [], fresh: false });
    expect(streams.size).toBe(0);
  });

  it('forgets the least recently loaded stream beyond its capacity', async () => {
    const streams = new CommandStreams(store, 2);
    for (const name of ['a', 'b', 'c']) await add(store, `counter-${name}`, 1);
    const a = await streams.load('counter-a', numbers, { fresh: true });
    const b = await streams.load('counter-b', numbers, { fresh: true });
    await streams.load('counter-a', numbers);
    await streams.load('counter-c', numbers, { fresh: true });
    expect(streams.size).toBe(2);
    // a was loaded after b, so b went: a is handed out as remembered, b is not remembered.
    expect((await streams.load('counter-a', numbers)).recorded[0]).toBe(a.recorded[0]);
    expect(await streams.load('counter-b', numbers)).toMatchObject({ recorded: [], fresh: false });
    expect((await streams.load('counter-b', numbers, { fresh: true })).recorded[0]).not.toBe(b.recorded[0]);
  });

  it('keeps the longer read when two loads of one stream overlap', async () => {
    const streams = new CommandStreams(store);
    await add(store, 'counter-a', 1);
    await streams.load('counter-a', numbers, { fresh: true });
    await add(store, 'counter-a', 2);
    const [x, y] = await Promise.all([streams.load('counter-a', numbers, { fresh: true }), streams.load('counter-a', numbers, { fresh: true })]);
    expect(x.state).toEqual([1, 2]);
    expect(y.state).toEqual([1, 2]);
    expect((await streams.load('counter-a', numbers)).state).toEqual([1, 2]);
  });

  it('reads a forgotten stream whole', async () => {
    const streams = new CommandStreams(store);
    await add(store, 'counter-a', 1);
    const first = await streams.load('counter-a', numbers, { fresh: true });
    streams.forget('counter-a');
    const again = await streams.load('counter-a', numbers, { fresh: true });
    expect(again.recorded[0]).not.toBe(first.recorded[0]);
    expect(again.state).toEqual([1]);
  });

  describe('runCommand with remembered streams', () => {
    const now = () => '2026-11-26T00:00:00.000Z';

    it('decides on the events another writer appended since the last command', async () => {
      const streams = new CommandStreams(store);
      await runCommand(streams, COUNTER, 'a', { add: 1 }, context('c1'), now);
      await add(other, 'counter-a', 2);
      // As remembered, 2 could be added; the append finds the stream moved on, and on the stream
      // as stored adding 2 is refused.
      await expect(runCommand(streams, COUNTER, 'a', { add: 2 }, context('c2'), now)).rejects.toMatchObject({ problem: { code: 'ALREADY_ADDED' } });
      const outcome = await runCommand(streams, COUNTER, 'a', { add: 3 }, context('c3'), now);
      expect(outcome.revision).toBe(2);
      expect(numbers(await readStreamOrEmpty(store, 'counter-a'))).toEqual([1, 2, 3]);
    });

    it('reads the stream whole after an append loses a race, and decides again on it', async () => {
      const streams = new CommandStreams(store);
      await runCommand(streams, COUNTER, 'a', { add: 1 }, context('c1'), now);
      // Twenty commands at once on one stream: every one is decided on a state that holds the
      // events of those that went before it, so each number lands once, in some order.
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => runCommand(streams, COUNTER, 'a', { add: 10 + i }, context(`r${i}`), now)));
      const stored = await readStreamOrEmpty(store, 'counter-a');
      const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
      expect(stored).toHaveLength(1 + accepted);
      expect(new Set(numbers(stored)).size).toBe(stored.length);
      expect((await streams.load('counter-a', numbers, { fresh: true })).state).toEqual(numbers(stored));
    });

    /**
     * The real store with its stream reads and appends counted; `handBack: false` drops the events
     * an append hands back, as a store that does not offer them.
     */
    const instrumented = (handBack = true) => {
      const counter = { reads: 0, appends: 0 };
      const counted = new Proxy(store, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as unknown;
          if (property === 'readStream') counter.reads += 1;
          if (property !== 'append') return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          return async (...args: Parameters<SqliteEventStore['append']>) => {
            counter.appends += 1;
            const result = await target.append(...args);
            return handBack ? result : { nextExpectedRevision: result.nextExpectedRevision, position: result.position };
          };
        },
      });
      return { counted, counter };
    };

    it('reads nothing for a command on a stream this store wrote last, and reads what another writer added', async () => {
      const { counted, counter } = instrumented();
      const streams = new CommandStreams(counted);
      await runCommand(streams, COUNTER, 'a', { add: 1 }, context('c1'), now);
      const afterFirst = counter.reads;
      await runCommand(streams, COUNTER, 'a', { add: 2 }, context('c2'), now);
      await runCommand(streams, COUNTER, 'a', { add: 3 }, context('c3'), now);
      expect(counter.reads).toBe(afterFirst);
      expect((await streams.load('counter-a', numbers)).recorded).toEqual(await readStreamOrEmpty(store, 'counter-a'));
      await add(other, 'counter-a', 4);
      await runCommand(streams, COUNTER, 'a', { add: 5 }, context('c5'), now);
      expect(counter.reads).toBe(afterFirst + 1);
      expect(numbers(await readStreamOrEmpty(store, 'counter-a'))).toEqual([1, 2, 3, 4, 5]);
    });

    it('reads what came after its own append when the store does not hand the events back, instead of appending on an outdated stream', async () => {
      const { counted, counter } = instrumented(false);
      const streams = new CommandStreams(counted);
      for (let n = 1; n <= 4; n++) await runCommand(streams, COUNTER, 'a', { add: n }, context(`c${n}`), now);
      // One append per command: none was decided on the stream as it was before the last one.
      expect(counter.appends).toBe(4);
      expect(numbers(await readStreamOrEmpty(store, 'counter-a'))).toEqual([1, 2, 3, 4]);
    });

    it('reads the events another writer of this process said it appended', async () => {
      const { counted, counter } = instrumented();
      const streams = new CommandStreams(counted);
      await runCommand(streams, COUNTER, 'a', { add: 1 }, context('c1'), now);
      await add(store, 'counter-a', 2);
      streams.outdated('counter-a');
      await runCommand(streams, COUNTER, 'a', { add: 3 }, context('c3'), now);
      expect(counter.appends).toBe(2);
      expect((await streams.load('counter-a', numbers)).state).toEqual([1, 2, 3]);
    });

    it('reads the stream before it refuses a command on what it remembers', async () => {
      const streams = new CommandStreams(store);
      await runCommand(streams, COUNTER, 'a', { add: 1 }, context('c1'), now);
      // Another writer adds 2 and 3; as remembered, the stream holds only 1.
      await add(other, 'counter-a', 2, 3);
      await expect(runCommand(streams, COUNTER, 'a', { add: 3 }, context('c2'), now)).rejects.toMatchObject({ problem: { code: 'ALREADY_ADDED' } });
      // Remembered now at revision 2; another writer takes the stream to 3. An If-Match of 3 does
      // not match what is remembered, but it matches the stream as stored: the command goes through.
      await add(other, 'counter-a', 4);
      await expect(runCommand(streams, COUNTER, 'a', { add: 5 }, { ...context('c3'), expectedRevision: 3 }, now)).resolves.toMatchObject({ revision: 4 });
      // A stale If-Match is answered with the revision as stored.
      await expect(runCommand(streams, COUNTER, 'a', { add: 6 }, { ...context('c4'), expectedRevision: 2 }, now)).rejects.toMatchObject({
        problem: { code: 'REVISION_MISMATCH', currentRevision: 4 },
      });
    });

    it('reads the stream whole when it no longer starts as remembered, instead of giving up', async () => {
      const streams = new CommandStreams(store);
      await runCommand(streams, COUNTER, 'a', { add: 1 }, context('c1'), now);
      await runCommand(streams, COUNTER, 'a', { add: 2 }, context('c2'), now);
      expect((await streams.load('counter-a', numbers)).state).toEqual([1, 2]);
      // The last event taken out behind the server's back (what a file put back from a backup does).
      const raw = new Database(join(dir, 'events.db'));
      raw.prepare('DELETE FROM events WHERE stream = ? AND revision = 1').run('counter-a');
      raw.close();
      // The append expects revision 1, the stream is at 0: the runner reads it whole and decides again.
      const outcome = await runCommand(streams, COUNTER, 'a', { add: 3 }, context('c3'), now);
      expect(outcome.revision).toBe(1);
      expect(numbers(await readStreamOrEmpty(store, 'counter-a'))).toEqual([1, 3]);
      expect((await streams.load('counter-a', numbers)).state).toEqual([1, 3]);
    });
  });
});
