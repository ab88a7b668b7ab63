import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  jsonEvent,
  type AllStreamResolvedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { checkStreamName, matchesFilter, prepareAppend } from '../append-validation';
import { stoppable } from '../subscription';
import { EventStoreUnavailable } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventSubscription,
  EventToAppend,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.port';
import type { Position } from '../position';
import { fromEsdbError, fromEsdbEvent, isSystemEvent, toEsdbExpectedRevision, toEsdbFilter } from './esdb-mapping';

export interface EsdbEventStoreOptions {
  /** Every call to the server is cut off after this long (ms) and reported as unavailable. */
  readonly timeoutMs?: number;
}

/**
 * The EventStoreDB adapter: a thin mapping of the port onto @eventstore/db-client. The client's
 * own deadlines do not cover its first capabilities request, so every call runs under our timeout.
 */
export class EsdbEventStore implements EventStore {
  private closed = false;

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly timeoutMs: number,
  ) {}

  static connect(connectionString: string, options: EsdbEventStoreOptions = {}): EsdbEventStore {
    let client: EventStoreDBClient;
    try {
      client = EventStoreDBClient.connectionString(connectionString);
    } catch (error) {
      throw new EventStoreUnavailable(`cannot use the EventStoreDB connection string: ${(error as Error).message}`);
    }
    return new EsdbEventStore(client, options.timeoutMs ?? 5000);
  }

  async append(stream: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const prepared = prepareAppend(stream, events, options);
    const payload = prepared.events.map((event) =>
      jsonEvent({ id: event.id, type: event.type, data: event.source.data, metadata: event.source.metadata }),
    );
    const result = await this.call(stream, () =>
      this.client.appendToStream(stream, payload, { expectedRevision: toEsdbExpectedRevision(prepared.expected) }),
    );
    if (!result.position) throw new EventStoreUnavailable('EventStoreDB acknowledged an append without a position');
    return {
      nextExpectedRevision: Number(result.nextExpectedRevision),
      position: { commit: result.position.commit, prepare: result.position.prepare },
    };
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    checkStreamName(stream);
    const backwards = options.direction === 'backwards';
    const read = this.client.readStream(stream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
      maxCount: options.maxCount,
    });
    yield* this.iterate<ResolvedEvent>(read, stream, (resolved) => (resolved.event ? fromEsdbEvent(resolved.event) : undefined));
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    let remaining = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (remaining <= 0) return;
    // System events are skipped here, so maxCount is counted on this side, not the server's.
    const read = this.client.readAll({ direction: FORWARDS, fromPosition: options.fromPosition ?? START });
    for await (const event of this.iterate<AllStreamResolvedEvent>(read, undefined, userEvent)) {
      yield event;
      remaining -= 1;
      if (remaining === 0) {
        await read.cancel();
        return;
      }
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    this.assertOpen();
    const subscription = this.client.subscribeToAll({
      fromPosition: options.fromPosition ?? START,
      filter: toEsdbFilter(options.filter),
    });
    const filter = options.filter;
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

  async headPosition(): Promise<Position | undefined> {
    this.assertOpen();
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END });
    for await (const event of this.iterate<AllStreamResolvedEvent>(read, undefined, userEvent)) {
      await read.cancel();
      return event.position;
    }
    return undefined;
  }

  async checkHealth(): Promise<void> {
    this.assertOpen();
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    for await (const _ of this.iterate<AllStreamResolvedEvent>(read, undefined, () => undefined)) {
      // Reading one record proves the server answers.
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailable('the event store is closed');
  }

  private async call<T>(stream: string | undefined, action: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(action(), this.timeoutMs);
    } catch (error) {
      throw fromEsdbError(error, stream);
    }
  }

  /** Iterates a client read, each step under the timeout, mapping and skipping as `map` says. */
  private async *iterate<T>(
    read: AsyncIterable<T> & { cancel(): Promise<void> },
    stream: string | undefined,
    map: (item: T) => RecordedEvent | undefined,
  ): AsyncGenerator<RecordedEvent> {
    const iterator = read[Symbol.asyncIterator]();
    try {
      while (true) {
        const step = await this.call(stream, () => iterator.next());
        if (step.done) return;
        const event = map(step.value);
        if (event) yield event;
      }
    } finally {
      await read.cancel().catch(() => undefined);
    }
  }
}

function userEvent(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
  if (!resolved.event || isSystemEvent(resolved.event)) return undefined;
  return fromEsdbEvent(resolved.event);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EventStoreUnavailable(`EventStoreDB did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

