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
  const now = Date.now();
  if (events.length === 1) return { expected, events: [serializeEvent(events[0], 0, now)] };
  const seen = new Set<string>();
  const serialized = events.map((event, index) => {
    const prepared = serializeEvent(event, index, now);
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
  if (epochMs !== timePrefix.ms) {
    const time = epochMs.toString(16).padStart(12, '0');
    timePrefix.ms = epochMs;
    timePrefix.text = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  }
  // A version 4 UUID is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, V already the RFC 9562 variant.
  return timePrefix.text + randomUUID().slice(15);
}
/** The time part of the last id made, kept for the other ids of the same millisecond. */
const timePrefix = { ms: -1, text: '' };

export function checkStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.trim().length === 0) {
    throw new InvalidEventStoreInput('a stream name must be a non-empty string');
  }
  if (stream.length > MAX_NAME_LENGTH) throw new InvalidEventStoreInput(`a stream name is at most ${MAX_NAME_LENGTH} characters`);
  if (stream.startsWith('$')) throw new InvalidEventStoreInput('stream names starting with $ are reserved');
}

function serializeEvent(event: EventToAppend, index: number, now: number): SerializedEvent {
  // Messages are built only on failure: this runs for every event appended.
  if (event === null || typeof event !== 'object') throw new InvalidEventStoreInput(`event ${index} is not an object`);
  let id: string;
  if (event.id === undefined || event.id === null) {
    id = timeOrderedUuid(now);
  } else {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) throw new InvalidEventStoreInput(`event ${index}: id must be a UUID`);
    id = event.id.toLowerCase();
  }
  if (typeof event.type !== 'string' || event.type.length === 0 || event.type.length > MAX_NAME_LENGTH || event.type.startsWith('$')) {
    throw new InvalidEventStoreInput(`event ${index}: type must be a non-empty name of at most ${MAX_NAME_LENGTH} characters, not starting with $`);
  }
  if (!isPlainObject(event.data)) throw new InvalidEventStoreInput(`event ${index}: data must be a JSON object`);
  const metadata = event.metadata ?? {};
  if (!isPlainObject(metadata)) throw new InvalidEventStoreInput(`event ${index}: metadata must be a JSON object`);
  const dataProblem = jsonProblem(event.data, 0);
  if (dataProblem !== undefined) throw new InvalidEventStoreInput(`event ${index}: data ${dataProblem}`);
  const metadataProblem = jsonProblem(metadata, 0);
  if (metadataProblem !== undefined) throw new InvalidEventStoreInput(`event ${index}: metadata ${metadataProblem}`);
  const data = JSON.stringify(event.data);
  const meta = JSON.stringify(metadata);
  // Strings are at most 3 UTF-8 bytes per UTF-16 unit; measure exactly only near the limit.
  const roughBytes = (data.length + meta.length) * 3;
  if (roughBytes > MAX_EVENT_BYTES && Buffer.byteLength(data) + Buffer.byteLength(meta) > MAX_EVENT_BYTES) {
    throw new InvalidEventStoreInput(`event ${index} is larger than ${MAX_EVENT_BYTES} bytes`);
  }
  return { id, type: event.type, data, metadata: meta, source: { data: event.data, metadata } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * JSON.stringify drops or bends what JSON cannot hold (undefined, NaN, Dates, Maps, cycles);
 * the store refuses such values instead, so what is read back equals what was written.
 * Returns what is wrong with the value, or undefined when it is JSON.
 */
function jsonProblem(value: unknown, depth: number): string | undefined {
  if (depth > 64) return 'is nested deeper than 64 levels';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : 'holds a non-finite number';
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (const item of value) {
          const problem = jsonProblem(item, depth + 1);
          if (problem !== undefined) return problem;
        }
        return undefined;
      }
      if (!isPlainObject(value)) return 'holds a value that is not JSON';
      for (const key of Object.keys(value)) {
        const problem = jsonProblem(value[key], depth + 1);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return `holds a ${typeof value}, which is not JSON`;
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
