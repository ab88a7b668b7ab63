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
  AppendOutcomeUnknown,
  EventStoreAccessDenied,
  EventStoreError,
  EventStoreUnavailable,
  InvalidEventStoreInput,
  StreamDeleted,
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

/**
 * A stored event as the port's `RecordedEvent`, or undefined for a foreign one: an event that is
 * not JSON (another service wrote bytes or another content type), or whose data is not a JSON
 * object (malformed JSON comes back from the client as a string). The engine never writes those;
 * reads of the log skip them instead of stalling on them.
 */
export function fromEsdbEvent(event: EsdbRecordedEvent | AllStreamRecordedEvent): RecordedEvent | undefined {
  if (!event.isJson || !isRecord(event.data)) return undefined;
  if (!event.position) throw new EventStoreUnavailable(`event ${event.id} came without a position`);
  return {
    id: event.id,
    stream: event.streamId,
    revision: Number(event.revision),
    position: { commit: event.position.commit, prepare: event.position.prepare },
    type: event.type,
    data: event.data,
    metadata: isRecord(event.metadata) ? event.metadata : {},
    recordedAt: event.created.toISOString(),
  };
}

/** Why `fromEsdbEvent` skips an event, for the report of foreign events. */
export function foreignReason(event: { isJson: boolean; data: unknown }): string {
  if (!event.isJson) return 'not JSON';
  return 'JSON data that is not an object';
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

/**
 * Every client error becomes one of the port's. The server's definite refusals get their own
 * errors (not retryable); what means "cannot reach" or "gave up" becomes unavailable.
 */
export function fromEsdbError(error: unknown, stream?: string): Error {
  if (error instanceof EventStoreError) return error;
  const type = (error as { type?: unknown })?.type;
  const message = (error as Error)?.message ?? String(error);
  switch (type) {
    case ErrorType.WRONG_EXPECTED_VERSION: {
      const details = error as { streamName?: string; expectedVersion?: unknown; actualVersion?: unknown };
      const actual = typeof details.actualVersion === 'bigint' ? Number(details.actualVersion) : 'no_stream';
      return new WrongExpectedRevision(details.streamName ?? stream ?? '?', describeExpected(details.expectedVersion), actual);
    }
    case ErrorType.STREAM_NOT_FOUND:
      return new StreamNotFound((error as { streamName?: string }).streamName ?? stream ?? '?');
    case ErrorType.NOT_FOUND:
      return new StreamNotFound(stream ?? '$all');
    case ErrorType.STREAM_DELETED:
      return new StreamDeleted((error as { streamName?: string }).streamName ?? stream ?? '?');
    case ErrorType.ACCESS_DENIED:
      return new EventStoreAccessDenied(`EventStoreDB denied access${stream ? ` to ${stream}` : ''}: ${message}`, { cause: error });
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
    case ErrorType.INVALID_ARGUMENT:
      return new InvalidEventStoreInput(`EventStoreDB refused the request: ${message}`);
    default:
      // A PERMISSION_DENIED that the client does not type (a proxy or an ingress refused the route).
      if ((error as { code?: unknown })?.code === GRPC_PERMISSION_DENIED) {
        return new EventStoreAccessDenied(`EventStoreDB (or a proxy before it) denied access: ${message}`, { cause: error });
      }
      return new EventStoreUnavailable(`EventStoreDB failed: ${message}`, { cause: error });
  }
}

const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAVAILABLE = 14;

/**
 * A failed append as the port's error. A definite answer of the server (a conflict, a refusal, "not
 * the leader") and a connection that was never established mean nothing was written. Anything else
 * (our timeout, a deadline, a connection that broke after the request went out, the server's own
 * commit timeout) leaves the outcome unknown: the server may have written the events or may still.
 */
export function fromEsdbAppendError(error: unknown, stream: string): Error {
  if (error instanceof EventStoreError) return error;
  const type = (error as { type?: unknown })?.type;
  if (type === ErrorType.NOT_LEADER) return new EventStoreUnavailable(`EventStoreDB: the node is not the leader; nothing was written`, { cause: error });
  const mapped = fromEsdbError(error, stream);
  if (!(mapped instanceof EventStoreUnavailable)) return mapped;
  if (neverConnected(error)) return mapped;
  return new AppendOutcomeUnknown(stream, `EventStoreDB failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/** gRPC's "UNAVAILABLE: No connection established": the call never left this process. */
function neverConnected(error: unknown): boolean {
  const candidate = error as { code?: unknown; message?: unknown; type?: unknown };
  const unavailable = candidate?.code === GRPC_UNAVAILABLE || candidate?.type === ErrorType.UNAVAILABLE;
  return unavailable && typeof candidate.message === 'string' && /No connection established|Failed to connect|ECONNREFUSED|Name resolution failed/i.test(candidate.message);
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
