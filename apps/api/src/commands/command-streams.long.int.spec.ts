import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStreamOrEmpty, SqliteEventStore, type RecordedEvent } from '@app/event-store';
import { CommandStreams, type Fold, type LoadedStream } from './command-streams';
import { runCommand, type AggregateType } from './stream-commands';
import type { CommandContext } from '../tickets/command-context';

/**
 * A long stream in the command runner's memory: appends add to what is remembered without
 * changing any stream handed out before, and a retried command is answered by its id, not by
 * looking at every event of the stream.
 */

/** The count of a counter's events: enough state for these tests, folded in O(events folded). */
const count: Fold<number> = (recorded, from = 0) => from + recorded.length;

const COUNTER: AggregateType<number, { add: number }, { type: 'Added'; data: { n: number } }> = {
  name: 'counter',
  streamOf: (id) => `counter-${id}`,
  fold: count,
  decide: (command) => ({ ok: true, events: [{ type: 'Added', data: { n: command.add } }] }),
  schemaVersion: () => 1,
};

const context = (commandId: string, options: { idempotent?: boolean; body?: string } = {}): CommandContext => ({
  commandId,
  idempotent: options.idempotent ?? false,
  correlationId: commandId,
  actor: { keyId: 'key-test', role: 'service' } as CommandContext['actor'],
  requestHash: options.body ?? commandId,
});

const now = () => '2026-11-26T00:00:00.000Z';
const EVENTS = 5_000;

describe('CommandStreams with a long stream', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'command-streams-long-'));
    store = SqliteEventStore.open({ path: join(dir, 'events.db'), synchronous: 'OFF' });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`keeps every stream handed out as it was while ${EVENTS} events are appended one by one`, async () => {
    const streams = new CommandStreams(store);
    /** Streams handed out along the way; half of them have their events looked at at once. */
    const handedOut: Array<{ loaded: LoadedStream<number>; length: number; seen?: readonly RecordedEvent[] }> = [];
    for (let n = 1; n <= EVENTS; n++) {
      await runCommand(streams, COUNTER, 'a', { add: n }, context(`c${n}`), now);
      if (n % 250 === 0) {
        const loaded = await streams.load('counter-a', count);
        handedOut.push({ loaded, length: n, seen: handedOut.length % 2 === 0 ? [...loaded.recorded] : undefined });
      }
    }
    const whole = await readStreamOrEmpty(store, 'counter-a');
    expect(whole).toHaveLength(EVENTS);
    for (const { loaded, length, seen } of handedOut) {
      expect({ length, state: loaded.state, events: loaded.recorded.length }).toEqual({ length, state: length, events: length });
      const ids = (events: readonly RecordedEvent[]) => events.map((event) => `${event.revision}:${event.id}`).join(' ');
      expect(ids(loaded.recorded)).toBe(ids(whole.slice(0, length)));
      // Read at once or at the end: the same events.
      if (seen) expect(loaded.recorded.every((event, i) => event === seen[i])).toBe(true);
    }
    // What is remembered is the whole stream, and the next command on it reads nothing.
    expect((await streams.load('counter-a', count)).recorded.map((event) => event.id)).toEqual(whole.map((event) => event.id));
    expect((await streams.load('counter-a', count, { fresh: true })).state).toBe(EVENTS);
  });

  it(`answers a retried command on a stream of ${EVENTS} events by its id, looking at its own events only`, async () => {
    // The events the store hands back count each look at their metadata.
    let looks = 0;
    const counted = new Proxy(store, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property !== 'append') return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        return async (...args: Parameters<SqliteEventStore['append']>) => {
          const result = await target.append(...args);
          const recorded = result.recorded?.map((event) => {
            const { metadata, ...rest } = event;
            return Object.defineProperty({ ...rest }, 'metadata', { enumerable: true, get: () => (looks++, metadata) }) as RecordedEvent;
          });
          return { ...result, recorded };
        };
      },
    });
    const streams = new CommandStreams(counted);
    const first = await runCommand(streams, COUNTER, 'a', { add: 0 }, context('early', { idempotent: true, body: 'body-1' }), now);
    for (let n = 1; n < EVENTS; n++) await runCommand(streams, COUNTER, 'a', { add: n }, context(`c${n}`), now);

    looks = 0;
    const retried = await runCommand(streams, COUNTER, 'a', { add: 0 }, context('early', { idempotent: true, body: 'body-1' }), now);
    expect(retried).toEqual({ ...first, replayed: true });
    expect(looks).toBeLessThanOrEqual(4);
    // The same key with another body is still refused.
    await expect(runCommand(streams, COUNTER, 'a', { add: 0 }, context('early', { idempotent: true, body: 'body-2' }), now)).rejects.toMatchObject({
      problem: { status: 422, code: 'IDEMPOTENCY_KEY_REUSED' },
    });
    // A new key is a new command.
    const fresh = await runCommand(streams, COUNTER, 'a', { add: 1 }, context('late', { idempotent: true, body: 'body-3' }), now);
    expect(fresh).toMatchObject({ revision: EVENTS, replayed: false });
    expect(await readStreamOrEmpty(store, 'counter-a')).toHaveLength(EVENTS + 1);
  });
});
