import { randomUUID } from 'node:crypto';
import type { AppendOptions, EventToAppend, ExpectedRevision } from './event-store.port';
import { InvalidEventStoreInput } from './errors';

/** The largest event the port accepts: its data and metadata serialized, in UTF-8 bytes. */
export const MAX_EVENT_BYTES = 4 * 1024 * 1024;
const MAX_NAME_LENGTH = 255;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event checked and serialized once, ready for any adapter to write. */
export interface SerializedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  /** The checked values themselves, for clients that serialize on their own. */
  readonly source: { readonly data: Record<string, unknown>; readonly metadata: Record<string, unknown> };
}

/** Validates an append's arguments and serializes its events; throws `InvalidEventStoreInput`. */
export function prepareAppend(
  stream: string,
  events: readonly EventToAppend[],
  options: AppendOptions | undefined,
): { expected: ExpectedRevision; events: SerializedEvent[] } {
  checkStreamName(stream);
  const expected = options?.expectedRevision ?? 'any';
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new InvalidEventStoreInput(`expected revision must be a revision (>= 0), 'no_stream', 'stream_exists' or 'any'`);
  }
  if (typeof expected === 'string' && !['no_stream', 'stream_exists', 'any'].includes(expected)) {
    throw new InvalidEventStoreInput(`unknown expected revision '${expected}'`);
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidEventStoreInput('an append needs at least one event');
  }
  const seen = new Set<string>();
  const serialized = events.map((event, index) => {
    const prepared = serializeEvent(event, index);
    if (seen.has(prepared.id)) throw new InvalidEventStoreInput(`event id ${prepared.id} appears twice in one append`);
    seen.add(prepared.id);
    return prepared;
  });
  return { expected, events: serialized };
}

/**
 * A fresh event id when the caller gives none: a version 7 UUID, its first 48 bits the time in
 * milliseconds and the rest random. Ids made later sort after earlier ones, so a store that
 * indexes event ids (SQLite's UNIQUE(event_id)) adds each new id at the end of its index instead
 * of on a random page of it.
 */
export function timeOrderedUuid(epochMs: number): string {
  // A version 4 UUID is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, V already the RFC 9562 variant.
  const random = randomUUID();
  const time = epochMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}

export function checkStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.trim().length === 0) {
    throw new InvalidEventStoreInput('a stream name must be a non-empty string');
  }
  if (stream.length > MAX_NAME_LENGTH) throw new InvalidEventStoreInput(`a stream name is at most ${MAX_NAME_LENGTH} characters`);
  if (stream.startsWith('$')) throw new InvalidEventStoreInput('stream names starting with $ are reserved');
}

function serializeEvent(event: EventToAppend, index: number): SerializedEvent {
  const where = `event ${index}`;
  if (event === null || typeof event !== 'object') throw new InvalidEventStoreInput(`${where} is not an object`);
  const id = event.id ?? timeOrderedUuid(Date.now());
  if (typeof id !== 'string' || !UUID.test(id)) throw new InvalidEventStoreInput(`${where}: id must be a UUID`);
  if (typeof event.type !== 'string' || event.type.length === 0 || event.type.length > MAX_NAME_LENGTH || event.type.startsWith('$')) {
    throw new InvalidEventStoreInput(`${where}: type must be a non-empty name of at most ${MAX_NAME_LENGTH} characters, not starting with $`);
  }
  if (!isPlainObject(event.data)) throw new InvalidEventStoreInput(`${where}: data must be a JSON object`);
  const metadata = event.metadata ?? {};
  if (!isPlainObject(metadata)) throw new InvalidEventStoreInput(`${where}: metadata must be a JSON object`);
  assertJson(event.data, `${where}: data`);
  assertJson(metadata, `${where}: metadata`);
  const data = JSON.stringify(event.data);
  const meta = JSON.stringify(metadata);
  // Strings are at most 3 UTF-8 bytes per UTF-16 unit; measure exactly only near the limit.
  const roughBytes = (data.length + meta.length) * 3;
  if (roughBytes > MAX_EVENT_BYTES && Buffer.byteLength(data) + Buffer.byteLength(meta) > MAX_EVENT_BYTES) {
    throw new InvalidEventStoreInput(`${where} is larger than ${MAX_EVENT_BYTES} bytes`);
  }
  return { id: id.toLowerCase(), type: event.type, data, metadata: meta, source: { data: event.data, metadata } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * JSON.stringify drops or bends what JSON cannot hold (undefined, NaN, Dates, Maps, cycles);
 * the store refuses such values instead, so what is read back equals what was written.
 */
function assertJson(value: unknown, where: string, depth = 0): void {
  if (depth > 64) throw new InvalidEventStoreInput(`${where} is nested deeper than 64 levels`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidEventStoreInput(`${where} holds a non-finite number`);
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        for (const item of value) assertJson(item, where, depth + 1);
        return;
      }
      if (!isPlainObject(value)) throw new InvalidEventStoreInput(`${where} holds a value that is not JSON`);
      for (const key of Object.keys(value)) assertJson(value[key], where, depth + 1);
      return;
    default:
      throw new InvalidEventStoreInput(`${where} holds a ${typeof value}, which is not JSON`);
  }
}

export function matchesFilter(
  stream: string,
  type: string,
  filter: { streamPrefixes?: readonly string[]; eventTypes?: readonly string[] } | undefined,
): boolean {
  if (!filter) return true;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((prefix) => stream.startsWith(prefix))) return false;
  if (filter.eventTypes && !filter.eventTypes.includes(type)) return false;
  return true;
}
