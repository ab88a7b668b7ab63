import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendResult as EsdbAppendResult,
  type EventStoreDBClient,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { checkStreamName, matchesFilter, prepareAppend } from '../append-validation';
import { stoppable } from '../subscription';
import { randomUUID } from 'node:crypto';
import { chainEvents } from '../audit-chain';
import { AppendOutcomeUnknown, CorruptStoredEvent, EventStoreUnavailable, WrongExpectedRevision } from '../errors';
import { readStreamOrEmpty } from '../event-store.port';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventSubscription,
  EventToAppend,
  ForeignEvents,
  IdentifiedStore,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.port';
import { comparePositions, type Position } from '../position';
import { closeClient, createClient } from './esdb-client';
import { foreignReason, fromEsdbAppendError, fromEsdbError, fromEsdbEvent, isSystemEvent, toEsdbExpectedRevision, toEsdbFilter } from './esdb-mapping';
import { NoPermitInTime, Permits } from './esdb-permits';
import { Watchdog, withTimeout, type ClientRead } from './esdb-timing';

export interface EsdbEventStoreOptions {
  /**
   * How long (ms) a call may wait for the server: an append's gRPC deadline, and the longest a read
   * may wait for its next event. An append cut off by it may have been written (`AppendOutcomeUnknown`).
   */
  readonly timeoutMs?: number;
  /** Calls (reads and appends) open at once; the rest wait their turn. Below the server's per-connection stream limit (100). */
  readonly maxConcurrentCalls?: number;
}

export const DEFAULT_ESDB_TIMEOUT_MS = 5000;
export const DEFAULT_ESDB_CONCURRENT_CALLS = 64;

/** The stream of the marker event that names this store (see `storeIdentity`). */
export const STORE_IDENTITY_STREAM = 'engine-store-identity';

/** Events the head lookup reads backwards at a time, looking for the last one that is not EventStoreDB's own. */
const HEAD_PAGE = 32;

/**
 * The EventStoreDB adapter: a thin mapping of the port onto @eventstore/db-client, with one client
 * of its own (see `createClient` for how its appends are made). Reads and appends share a
 * semaphore below the server's stream limit; subscriptions are outside it (they stay open).
 */
export class EsdbEventStore implements EventStore, ForeignEvents, IdentifiedStore {
  private closed = false;
  private used = false;
  private foreign = { count: 0, last: undefined as string | undefined };
  private readonly permits: Permits;

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly timeoutMs: number,
    maxConcurrentCalls: number,
  ) {
    this.permits = new Permits(maxConcurrentCalls);
  }

  static connect(connectionString: string, options: EsdbEventStoreOptions = {}): EsdbEventStore {
    let client: EventStoreDBClient;
    try {
      client = createClient(connectionString);
    } catch (error) {
      throw new EventStoreUnavailable(`cannot use the EventStoreDB connection string: ${(error as Error).message}`);
    }
    return new EsdbEventStore(client, options.timeoutMs ?? DEFAULT_ESDB_TIMEOUT_MS, options.maxConcurrentCalls ?? DEFAULT_ESDB_CONCURRENT_CALLS);
  }

  async append(stream: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const prepared = prepareAppend(stream, events, options);
    const payload = prepared.events.map((event) =>
      jsonEvent({ id: event.id, type: event.type, data: event.source.data, metadata: event.source.metadata }),
    );
    const release = await this.permit();
    let result: EsdbAppendResult;
    try {
      this.used = true;
      const call = this.client.appendToStream(stream, payload, {
        expectedRevision: toEsdbExpectedRevision(prepared.expected),
        deadline: this.timeoutMs,
        requiresLeader: true,
      });
      call.then(release, release);
      result = await withTimeout(call, this.timeoutMs, () => new AppendOutcomeUnknown(stream, `EventStoreDB did not answer within ${this.timeoutMs} ms`));
    } catch (error) {
      throw fromEsdbAppendError(error, stream);
    }
    const position = result.position ?? (await this.positionOf(stream, result.nextExpectedRevision));
    return { nextExpectedRevision: Number(result.nextExpectedRevision), position: { commit: position.commit, prepare: position.prepare } };
  }

  /**
   * The position of the event at `revision`: an append the server took as a repeat of one it had
   * already written (the same event ids) answers success without a position.
   */
  private async positionOf(stream: string, revision: bigint): Promise<Position> {
    for await (const event of this.readStream(stream, { fromRevision: Number(revision), maxCount: 1 })) return event.position;
    throw new AppendOutcomeUnknown(stream, `EventStoreDB acknowledged the append without a position, and revision ${revision} cannot be read back`);
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    checkStreamName(stream);
    const backwards = options.direction === 'backwards';
    const open = () =>
      this.client.readStream(stream, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
        maxCount: options.maxCount,
        requiresLeader: true,
      });
    // A stream the engine reads holds the engine's events; one it cannot read is damage, named.
    yield* this.read<ResolvedEvent>(stream, open, (resolved) => {
      if (!resolved.event) return undefined;
      const event = fromEsdbEvent(resolved.event);
      if (event) return event;
      const { revision, position } = resolved.event;
      throw new CorruptStoredEvent(stream, Number(revision), position ?? { commit: 0n, prepare: 0n }, foreignReason(resolved.event));
    });
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    let remaining = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (remaining <= 0) return;
    // System and foreign events are skipped here, so maxCount is counted on this side, not the server's.
    const open = () => this.client.readAll({ direction: FORWARDS, fromPosition: options.fromPosition ?? START, requiresLeader: true });
    for await (const event of this.read<AllStreamResolvedEvent>(undefined, open, (resolved) => this.userEvent(resolved))) {
      yield event;
      remaining -= 1;
      if (remaining === 0) return;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    this.assertOpen();
    this.used = true;
    const subscription = this.client.subscribeToAll({
      fromPosition: options.fromPosition ?? START,
      filter: toEsdbFilter(options.filter),
      requiresLeader: true,
    });
    const filter = options.filter;
    const userEvent = (resolved: AllStreamResolvedEvent) => this.userEvent(resolved);
    async function* follow(): AsyncGenerator<RecordedEvent> {
      try {
        for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
          const event = userEvent(resolved);
          if (event && matchesFilter(event.stream, event.type, filter)) yield event;
        }
      } catch (error) {
        throw fromEsdbError(error);
      }
    }
    return stoppable(follow(), () => {
      void subscription.unsubscribe().catch(() => undefined);
    });
  }

  /**
   * The last user event's position, read backwards a page at a time: EventStoreDB's own events
   * ($stats, $metadata, ...) may follow it, and a projection never reaches their positions.
   */
  async headPosition(): Promise<Position | undefined> {
    this.assertOpen();
    let from: Position | 'end' = END;
    while (true) {
      let seen = 0;
      let last: Position | undefined;
      const boundary = from;
      const open = () => this.client.readAll({ direction: BACKWARDS, fromPosition: boundary, maxCount: HEAD_PAGE, requiresLeader: true });
      for await (const resolved of this.read<AllStreamResolvedEvent, AllStreamResolvedEvent>(undefined, open, (item) => item)) {
        const raw = resolved.event;
        seen += 1;
        if (!raw?.position) continue;
        if (boundary !== END && comparePositions(raw.position, boundary) >= 0) continue;
        last = raw.position;
        const event = this.userEvent(resolved);
        if (event) return event.position;
      }
      if (seen < HEAD_PAGE || !last) return undefined;
      from = last;
    }
  }

  async checkHealth(): Promise<void> {
    this.assertOpen();
    const open = () => this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, requiresLeader: true });
    for await (const _ of this.read<AllStreamResolvedEvent>(undefined, open, () => undefined)) {
      // Reading one record proves the server answers.
    }
  }

  /**
   * The store's identity: the id in the first event of its own stream, written once by whichever
   * process asks first (a race is settled by the expected revision). The event is hash-chained as
   * the engine's events are, so an audit of the log finds nothing wrong with it.
   */
  async storeIdentity(): Promise<string> {
    const read = async () => (await readStreamOrEmpty(this, STORE_IDENTITY_STREAM, { maxCount: 1 }))[0]?.data.storeId;
    const existing = await read();
    if (typeof existing === 'string') return existing;
    const marker = chainEvents(STORE_IDENTITY_STREAM, undefined, [{ type: 'StoreIdentified', data: { storeId: randomUUID() } }]);
    try {
      await this.append(STORE_IDENTITY_STREAM, marker, { expectedRevision: 'no_stream' });
    } catch (error) {
      // Another process wrote it first, or this one may have: read what is there.
      if (!(error instanceof WrongExpectedRevision || error instanceof AppendOutcomeUnknown)) throw error;
    }
    const written = await read();
    if (typeof written !== 'string') throw new EventStoreUnavailable(`${STORE_IDENTITY_STREAM} holds no store id`);
    return written;
  }

  foreignEventsSkipped(): { count: number; last: string | undefined } {
    return { ...this.foreign };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeClient(this.client, this.used);
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailable('the event store is closed');
  }

  /** A user event of the log, or undefined for a system event or a foreign one (which is counted). */
  private userEvent(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
    if (!resolved.event || isSystemEvent(resolved.event)) return undefined;
    const event = fromEsdbEvent(resolved.event);
    if (!event) {
      this.foreign.count += 1;
      this.foreign.last = `${resolved.event.streamId} revision ${resolved.event.revision} (${resolved.event.type}): ${foreignReason(resolved.event)}`;
    }
    return event;
  }

  private async permit(): Promise<() => void> {
    try {
      return await this.permits.acquire(this.timeoutMs);
    } catch (error) {
      if (error instanceof NoPermitInTime) throw new EventStoreUnavailable(`${error.message}; nothing was sent`);
      throw error;
    }
  }

  /**
   * Iterates one client read under a permit, mapping and skipping as `map` says. The timeout
   * applies to each wait for the server (one timer per read, re-armed only when it fires), not to
   * the time the consumer takes between events.
   */
  private async *read<T, U = RecordedEvent>(
    stream: string | undefined,
    open: () => ClientRead<T>,
    map: (item: T) => U | undefined,
  ): AsyncGenerator<U> {
    const release = await this.permit();
    this.used = true;
    let read: ClientRead<T> | undefined;
    const watchdog = new Watchdog(this.timeoutMs, () => read?.destroy(new EventStoreUnavailable(`EventStoreDB did not answer within ${this.timeoutMs} ms`)));
    try {
      read = open();
      const iterator = read[Symbol.asyncIterator]();
      while (true) {
        watchdog.waiting();
        let step: IteratorResult<T>;
        try {
          step = await iterator.next();
        } catch (error) {
          throw fromEsdbError(error, stream);
        }
        watchdog.idle();
        if (step.done) return;
        const event = map(step.value);
        if (event) yield event;
      }
    } finally {
      watchdog.stop();
      await read?.cancel().catch(() => undefined);
      release();
    }
  }
}
