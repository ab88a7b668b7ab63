import { createHash } from 'node:crypto';
import type { EventToAppend, RecordedEvent } from './event-store.port';

/**
 * Tamper evidence. Each event's metadata carries `hash`: SHA-256 (hex) over the previous event's
 * hash in the same stream, a newline, and the canonical JSON of the event's content; the first
 * event of a stream chains to a genesis value. Changing, removing or reordering a stored event
 * breaks the chain at that event.
 *
 * Canonical content: `{"data":…,"metadata":…,"revision":N,"stream":"…","type":"…"}` where
 * `metadata` is the event's metadata without `hash` and `previousHash`, objects have their keys
 * sorted by UTF-16 code units, no whitespace, strings and numbers as JSON.stringify writes them.
 */
export const HASH_FIELDS = ['hash', 'previousHash'] as const;

export function genesisHash(stream: string): string {
  return sha256(`genesis:${stream}`);
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

export function eventHash(
  previousHash: string,
  content: { stream: string; revision: number; type: string; data: unknown; metadata: Record<string, unknown> },
): string {
  const metadata = { ...content.metadata };
  for (const field of HASH_FIELDS) delete metadata[field];
  const canonical = canonicalJson({ stream: content.stream, revision: content.revision, type: content.type, data: content.data, metadata });
  return sha256(`${previousHash}\n${canonical}`);
}

/**
 * Adds `previousHash` and `hash` to events about to be appended after `last` (the stream's last
 * stored event, or undefined for a new stream).
 */
export function chainEvents(stream: string, last: RecordedEvent | undefined, events: readonly EventToAppend[]): EventToAppend[] {
  let previousHash = last ? String(last.metadata.hash ?? '') : genesisHash(stream);
  let revision = last ? last.revision : -1;
  return events.map((event) => {
    revision += 1;
    const metadata = { ...(event.metadata ?? {}), previousHash };
    const hash = eventHash(previousHash, { stream, revision, type: event.type, data: event.data, metadata });
    previousHash = hash;
    return { ...event, metadata: { ...metadata, hash } };
  });
}

export interface ChainBreak {
  readonly stream: string;
  readonly revision: number;
  readonly reason: string;
}

/**
 * Checks events in log order, one stream's chain at a time, keeping only the last hash of each
 * stream in memory. Reports the first break of each stream.
 */
export class ChainVerifier {
  private readonly streams = new Map<string, { revision: number; hash: string; broken: boolean }>();
  readonly broken: ChainBreak[] = [];
  checkedEvents = 0;

  get checkedStreams(): number {
    return this.streams.size;
  }

  /** An event that could not even be read: the stream is broken there, and the next events are not blamed for it. */
  unreadable(stream: string, revision: number, reason: string): void {
    this.checkedEvents += 1;
    const previous = this.streams.get(stream);
    if (!previous?.broken) this.broken.push({ stream, revision, reason });
    this.streams.set(stream, { revision: Math.max(revision, previous?.revision ?? -1), hash: '', broken: true });
  }

  check(event: RecordedEvent): void {
    this.checkedEvents += 1;
    const previous = this.streams.get(event.stream) ?? { revision: -1, hash: genesisHash(event.stream), broken: false };
    const expectedRevision = previous.revision + 1;
    const recomputed = eventHash(previous.hash, event);
    const stored = event.metadata.hash;
    let reason: string | undefined;
    if (event.revision !== expectedRevision) {
      reason = event.revision > expectedRevision ? `revision ${expectedRevision} is missing` : `revision ${event.revision} comes after revision ${previous.revision}`;
    } else if (event.metadata.previousHash !== previous.hash) {
      reason = 'previousHash does not match the hash of the event before it';
    } else if (stored !== recomputed) {
      reason = typeof stored === 'string' ? 'the content does not match its hash' : 'the event has no hash';
    }
    if (reason && !previous.broken) this.broken.push({ stream: event.stream, revision: event.revision, reason });
    // Go on from what is stored, so one altered event is reported once, not as a cascade.
    this.streams.set(event.stream, {
      revision: Math.max(event.revision, previous.revision),
      hash: typeof stored === 'string' ? stored : recomputed,
      broken: previous.broken || reason !== undefined,
    });
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
