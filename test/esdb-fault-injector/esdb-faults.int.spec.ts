import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import {
  AppendOutcomeUnknown,
  EventStoreAccessDenied,
  readStreamOrEmpty,
  type EventStore,
  type RecordedEvent,
} from '@app/event-store';
import { chainEvents, ChainVerifier } from '@app/event-store';
import { verifyStore } from '../../apps/api/src/audit/verify-chains';
import { EsdbEventStore, STORE_IDENTITY_STREAM } from '@app/event-store/esdb/esdb-event-store';
import { hasReached, ProjectionRunner, ReadModelStore, tableNamesFor, type Projection, type TableNames } from '@app/projections';
import { EsdbFaultInjector } from './esdb-fault-injector';

/*
 * The EventStoreDB adapter and the projection runner against the fault injector: each test
 * scripts one way a server (or what stands before it) answers badly, and checks what the engine
 * makes of it. This exercises the client path only; it proves nothing about EventStoreDB itself.
 */

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

const until = async (what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

describe('EventStoreDB adapter against the fault injector', () => {
  let injector: EsdbFaultInjector;
  let store: EsdbEventStore;
  const connect = (timeoutMs = 5_000) => EsdbEventStore.connect(injector.url, { timeoutMs });

  beforeEach(async () => {
    injector = await EsdbFaultInjector.start();
    store = connect();
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await injector.stop();
  });

  it('appends with one unary call each, never asking the server\'s capabilities', async () => {
    const first = await store.append('ticket-1', [{ type: 'A', data: { n: 1 } }], { expectedRevision: 'no_stream' });
    await store.append('ticket-1', [{ type: 'B', data: { n: 2 } }], { expectedRevision: first.nextExpectedRevision });
    expect((await collect(store.readStream('ticket-1'))).map((e) => e.type)).toEqual(['A', 'B']);
    expect(await store.headPosition()).toEqual({ commit: 200n, prepare: 200n });
    expect(injector.count('Append')).toBe(2);
    expect(injector.count('BatchAppend')).toBe(0);
    expect(injector.count('GetSupportedMethods')).toBe(0);
  });

  it('a missing stream is StreamNotFound, and a read the server does not answer in time is unavailable', async () => {
    await expect(readStreamOrEmpty(store, 'ticket-none')).resolves.toEqual([]);
    await store.close();
    store = connect(300);
    await store.append('ticket-1', [{ type: 'A', data: {} }]);
    injector.faults.delayReadsMs = 2_000;
    await expect(collect(store.readStream('ticket-1'))).rejects.toThrow(/did not answer within 300 ms/);
  });

  it('an append answered after the timeout is OUTCOME_UNKNOWN, and it was in fact written', async () => {
    await store.close();
    store = connect(400);
    injector.faults.answerAppendsAfterMs = 1_500;
    const failure = await store.append('ticket-1', [{ type: 'A', data: {} }]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppendOutcomeUnknown);
    expect((failure as Error).message).toMatch(/may have been written/);
    expect(injector.log.map((r) => r.stream)).toEqual(['ticket-1']);
  });

  it('a client clock behind the server\'s does not fail appends (no absolute deadline is sent)', async () => {
    injector.faults.clockAheadMs = 15_000;
    await expect(store.append('ticket-1', [{ type: 'A', data: {} }])).resolves.toMatchObject({ nextExpectedRevision: 0 });
    await expect(store.append('ticket-1', [{ type: 'B', data: {} }])).resolves.toMatchObject({ nextExpectedRevision: 1 });
  });

  it('a capabilities call that failed once (PERMISSION_DENIED from a proxy) does not fail later appends', async () => {
    injector.faults.failCapabilitiesOnce = true;
    await expect(store.append('ticket-1', [{ type: 'A', data: {} }])).resolves.toMatchObject({ nextExpectedRevision: 0 });
    await expect(store.append('ticket-1', [{ type: 'B', data: {} }])).resolves.toMatchObject({ nextExpectedRevision: 1 });
  });

  it('AccessDenied is its own error, not a retryable unavailable', async () => {
    injector.faults.accessDenied = true;
    await expect(store.append('ticket-1', [{ type: 'A', data: {} }])).rejects.toBeInstanceOf(EventStoreAccessDenied);
    await expect(collect(store.readAll())).rejects.toBeInstanceOf(EventStoreAccessDenied);
  });

  it('a repeated append the server answers without a position gets its position read back', async () => {
    injector.faults.idempotentWithoutPosition = true;
    const events = [{ id: randomUUID(), type: 'A', data: {} }];
    const first = await store.append('ticket-1', events);
    const again = await store.append('ticket-1', events);
    expect(again).toEqual(first);
    expect(injector.log).toHaveLength(1);
  });

  it('a server that refuses the 101st concurrent stream: a burst of 150 reads all succeed, at most 64 open at once', async () => {
    await store.append('ticket-1', [{ type: 'A', data: {} }]);
    injector.faults.maxConcurrentStreams = 100;
    injector.faults.delayReadsMs = 300;
    const reads = await Promise.allSettled(Array.from({ length: 150 }, () => collect(store.readStream('ticket-1'))));
    const failed = reads.filter((r) => r.status === 'rejected');
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(injector.maxOpenStreams).toBeLessThanOrEqual(64);
  });

  it('a binary event in a stream of another service is skipped by reads of the log and subscriptions, and counted', async () => {
    await store.append('ticket-1', [{ type: 'A', data: { n: 1 } }]);
    injector.writeForeign('billing-7', 'InvoiceBlob', 'application/octet-stream', new Uint8Array([0xff, 0x00, 0x13]));
    injector.writeForeign('billing-7', 'InvoiceJson', 'application/json', Buffer.from('{"broken": '));
    await store.append('ticket-1', [{ type: 'B', data: { n: 2 } }]);

    expect((await collect(store.readAll())).map((e) => e.type)).toEqual(['A', 'B']);
    const subscription = store.subscribeToAll();
    const seen: string[] = [];
    for await (const event of subscription) {
      seen.push(event.type);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['A', 'B']);
    expect(store.foreignEventsSkipped()).toMatchObject({ count: 4 });
    expect(store.foreignEventsSkipped().last).toMatch(/billing-7 revision 1 \(InvoiceJson\): JSON data that is not an object/);
  });

  it('verify of the log reports the foreign events it passed over, and still passes the chains', async () => {
    await store.append('ticket-1', chainEvents('ticket-1', undefined, [{ type: 'A', data: { n: 1 } }]));
    injector.writeForeign('billing-7', 'InvoiceBlob', 'application/octet-stream', new Uint8Array([0xff, 0x00, 0x13]));
    const [first] = await collect(store.readStream('ticket-1'));
    await store.append('ticket-1', chainEvents('ticket-1', first, [{ type: 'B', data: { n: 2 } }]));
    const verification = await verifyStore(store);
    expect(verification).toMatchObject({ ok: true, checkedEvents: 2, broken: [], foreignEvents: { skipped: 1 } });
    expect(verification.foreignEvents?.last).toMatch(/billing-7 revision 0 \(InvoiceBlob\)/);
  });

  it('a restart with an append in flight: OUTCOME_UNKNOWN (it was written), and the next append goes through', async () => {
    await store.append('ticket-1', [{ type: 'A', data: {} }]);
    injector.faults.restartDuringNextAppend = true;
    await expect(store.append('ticket-1', [{ type: 'B', data: {} }])).rejects.toBeInstanceOf(AppendOutcomeUnknown);
    expect(injector.log).toHaveLength(2);
    let next: unknown;
    for (let attempt = 0; attempt < 3 && !next; attempt++) {
      next = await store.append('ticket-1', [{ type: 'C', data: {} }], { expectedRevision: 1 }).catch(() => undefined);
    }
    expect(next).toMatchObject({ nextExpectedRevision: 2 });
  });

  it('esdb+discover:// asks gossip for the leader and appends there', async () => {
    const discovered = EsdbEventStore.connect(injector.discoverUrl, { timeoutMs: 5_000 });
    try {
      await expect(discovered.append('ticket-1', [{ type: 'A', data: {} }])).resolves.toMatchObject({ nextExpectedRevision: 0 });
      expect(injector.count('Gossip')).toBeGreaterThanOrEqual(1);
    } finally {
      await discovered.close();
    }
  });

  it('names the store with one marker event, written once and hash-chained like the engine\'s events', async () => {
    const identity = await store.storeIdentity();
    const other = connect();
    try {
      expect(await other.storeIdentity()).toBe(identity);
    } finally {
      await other.close();
    }
    expect(injector.log.filter((r) => r.stream === STORE_IDENTITY_STREAM)).toHaveLength(1);
    const verifier = new ChainVerifier();
    for (const event of await collect(store.readAll())) verifier.check(event);
    expect(verifier.broken).toEqual([]);
    expect(verifier.checkedEvents).toBe(1);
  });

  it('close() closes the connection, not only the calls', async () => {
    const connections = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    await until('the connections of earlier tests to close', () => connections() === 0, 10_000);
    const other = connect();
    await other.append('ticket-1', [{ type: 'A', data: {} }]);
    expect(connections()).toBeGreaterThan(0);
    await other.close();
    await until('the connection to close', () => connections() === 0, 5_000);
  });
});

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

describe('the projection runner on EventStoreDB, against the fault injector', () => {
  let injector: EsdbFaultInjector;
  let store: EventStore;
  let dir: string;
  let readModels: ReadModelStore;
  let runner: ProjectionRunner | undefined;
  let warnings: string[];

  beforeEach(async () => {
    injector = await EsdbFaultInjector.start();
    store = EsdbEventStore.connect(injector.url, { timeoutMs: 5_000 });
    dir = mkdtempSync(join(tmpdir(), 'esdb-faults-'));
    readModels = ReadModelStore.open(join(dir, 'views.db'));
    warnings = [];
  });
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    readModels.close();
    await store.close();
    await injector.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => {
    runner = new ProjectionRunner(store, readModels, [counting], { batchSize: 4, logger: { log: () => undefined, warn: (m) => warnings.push(m) } });
    runner.start();
    return runner;
  };
  const append = async (from: number, count: number) => {
    let last;
    for (let n = from; n < from + count; n++) last = (await store.append(`counted-${n % 3}`, [{ type: 'Counted', data: { n } }])).position;
    return last!;
  };
  const rows = () => (readModels.db.prepare(`SELECT n FROM ${tableNamesFor(1)('counted_events')} ORDER BY n`).all() as Array<{ n: number }>).map((r) => r.n);

  it('a subscription dropped after 3 events: the failure is reported, then cleared once the resubscription delivers', async () => {
    await append(0, 10);
    injector.faults.dropSubscriptionsAfter = 3;
    const running = start();
    await until('the drop to be reported', () => warnings.length >= 1);
    expect(warnings[0]).toMatch(/dropped after 3 events/);
    injector.faults.dropSubscriptionsAfter = undefined;
    const head = (await store.headPosition())!;
    await until('the resubscription to catch up and clear the failure', () => hasReached(readModels, 'counting', head) && running.status()[0].failure === undefined);
    expect(rows()).toEqual(Array.from({ length: 10 }, (_, n) => n));

    // A restart drops the live subscription; the runner resubscribes and goes on.
    await injector.restart();
    const later = await append(10, 3).catch(async () => append(10, 3));
    await until('the events after the restart', () => hasReached(readModels, 'counting', later) && running.status()[0].failure === undefined);
    expect(rows()).toEqual(Array.from({ length: 13 }, (_, n) => n));
  });

  it('a binary event of another service is passed over, not fatal', async () => {
    await append(0, 2);
    injector.writeForeign('billing-1', 'Blob', 'application/octet-stream', new Uint8Array([1, 2, 3]));
    injector.writeForeign('counted-9', 'Blob', 'text/plain', Buffer.from('hello'));
    const last = await append(2, 2);
    const running = start();
    await until('the events after the foreign ones', () => hasReached(readModels, 'counting', last));
    expect(rows()).toEqual([0, 1, 2, 3]);
    expect(running.status()[0].failure).toBeUndefined();
  });
});
