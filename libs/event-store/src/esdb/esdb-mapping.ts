import {
  ANY,
  ErrorType,
  NO_STREAM,
  STREAM_EXISTS,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type AllStreamRecordedEvent,
  type AppendExpectedRevision,
  type Filter,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import {
  EventStoreError,
  EventStoreUnavailable,
  InvalidEventStoreInput,
  StreamNotFound,
  WrongExpectedRevision,
} from '../errors';
import type { ExpectedRevision, RecordedEvent, SubscriptionFilter } from '../event-store.port';

/** The port's expected revision in the client's terms. */
export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** True for EventStoreDB's own events ($-prefixed types or streams), which the port never shows. */
export function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/** A stored JSON event as the port's `RecordedEvent`; the position comes from the event or the read. */
export function fromEsdbEvent(event: EsdbRecordedEvent | AllStreamRecordedEvent): RecordedEvent {
  if (!event.isJson) {
    throw new InvalidEventStoreInput(`event ${event.id} in ${event.streamId} is not JSON; the engine stores JSON only`);
  }
  if (!event.position) throw new EventStoreUnavailable(`event ${event.id} came without a position`);
  return {
    id: event.id,
    stream: event.streamId,
    revision: Number(event.revision),
    position: { commit: event.position.commit, prepare: event.position.prepare },
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: isRecord(event.metadata) ? event.metadata : {},
    recordedAt: event.created.toISOString(),
  };
}

/**
 * A server-side filter for the subscription. The server filters on stream names or on event
 * types, not both: with both, it filters streams and the adapter checks types itself.
 */
export function toEsdbFilter(filter: SubscriptionFilter | undefined): Filter {
  if (filter?.streamPrefixes?.length) return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  if (filter?.eventTypes?.length) return eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` });
  return excludeSystemEvents();
}

/** Every client error becomes one of the port's; the gRPC status codes that mean "cannot reach" become unavailable. */
export function fromEsdbError(error: unknown, stream?: string): Error {
  if (error instanceof EventStoreError) return error;
  const type = (error as { type?: unknown }).type;
  const message = (error as Error)?.message ?? String(error);
  switch (type) {
    case ErrorType.WRONG_EXPECTED_VERSION: {
      const details = error as { streamName?: string; expectedVersion?: unknown; actualVersion?: unknown };
      const actual = typeof details.actualVersion === 'bigint' ? Number(details.actualVersion) : 'no_stream';
      return new WrongExpectedRevision(details.streamName ?? stream ?? '?', describeExpected(details.expectedVersion), actual);
    }
    case ErrorType.STREAM_NOT_FOUND:
      return new StreamNotFound((error as { streamName?: string }).streamName ?? stream ?? '?');
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
    case ErrorType.INVALID_ARGUMENT:
      return new InvalidEventStoreInput(`EventStoreDB refused the request: ${message}`);
    default:
      return new EventStoreUnavailable(`EventStoreDB failed: ${message}`, { cause: error });
  }
}

function describeExpected(expected: unknown): string {
  if (typeof expected === 'bigint') return expected.toString();
  if (expected === NO_STREAM) return 'no_stream';
  if (expected === STREAM_EXISTS) return 'stream_exists';
  if (expected === ANY) return 'any';
  return String(expected);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
