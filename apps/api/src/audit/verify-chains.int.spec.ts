import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type EventStore } from '@app/event-store';
import { writeChainedStore } from '../../../../test/support/chained-store';
import { verifyStore } from './verify-chains';

/**
 * A verify that runs on the request thread (EventStoreDB, a wrapped store) lets the event loop
 * turn between pages: a turn scheduled with setImmediate keeps running while the walk goes on,
 * on the stored-text path and on the path of a store that hands out events one by one.
 */

const EVENTS = 20_000;
let dir: string;
let store: SqliteEventStore;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ticket-verify-'));
  writeChainedStore(join(dir, 'events.db'), { events: EVENTS, streams: 100 });
  store = SqliteEventStore.open({ path: join(dir, 'events.db') });
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Counts the turns of the event loop while `work` runs. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const turn = () => {
    turns += 1;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  const result = await work();
  running = false;
  return { result, turns };
}

/** The store without its stored-text reads: events come one by one, as from EventStoreDB. */
function recordedOnly(inner: EventStore): EventStore {
  return {
    append: (...args) => inner.append(...args),
    readStream: (...args) => inner.readStream(...args),
    readAll: (...args) => inner.readAll(...args),
    subscribeToAll: (...args) => inner.subscribeToAll(...args),
    headPosition: () => inner.headPosition(),
    checkHealth: () => inner.checkHealth(),
    close: () => inner.close(),
  };
}

describe('verifyStore on the request thread', () => {
  it('checks stored text a page at a time, letting the event loop turn between pages', async () => {
    const { result, turns } = await turnsDuring(() => verifyStore(store));
    expect(result).toEqual({ ok: true, checkedStreams: 100, checkedEvents: EVENTS, broken: [] });
    // Pages of 500: one turn or more per page.
    expect(turns).toBeGreaterThanOrEqual(EVENTS / 500);
  });

  it('checks events read one by one, letting the event loop turn every 500 events', async () => {
    const { result, turns } = await turnsDuring(() => verifyStore(recordedOnly(store)));
    expect(result).toEqual({ ok: true, checkedStreams: 100, checkedEvents: EVENTS, broken: [] });
    expect(turns).toBeGreaterThanOrEqual(EVENTS / 500);
  });
});
