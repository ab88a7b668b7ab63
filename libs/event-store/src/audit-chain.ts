import { createHmac, hash, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { canonicalMetadataText, canonicalText } from './canonical-text';
import type { EventToAppend, RecordedEvent, StoredEventText } from './event-store.port';

/**
 * Tamper evidence. Each event's metadata carries `hash`: SHA-256 (hex) over the previous event's
 * hash in the same stream, a newline, and the canonical JSON of the event's content; the first
 * event of a stream chains to a genesis value. Changing, removing or reordering a stored event
 * breaks the chain at that event.
 *
 * Canonical content: `{"data":…,"metadata":…,"revision":N,"stream":"…","type":"…"}` where
 * `metadata` is the event's metadata without `hash`, `previousHash` and `seal`, objects have their
 * keys sorted by UTF-16 code units, no whitespace, strings and numbers as JSON.stringify writes them.
 *
 * The chain alone is recomputable by anyone who can write the store. The seal is not: the API
 * adds `seal`, HMAC-SHA256 (hex) of the event's `hash` under a key derived from the audit signing
 * key, so an event appended by someone without that key carries no valid seal.
 */
export const HASH_FIELDS = ['hash', 'previousHash', 'seal'] as const;

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
  return canonicalObject(value as Record<string, unknown>, false);
}

/** With `withoutHashFields`, the object's own `hash`, `previousHash` and `seal` are left out (not nested ones). */
function canonicalObject(object: Record<string, unknown>, withoutHashFields: boolean): string {
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = object[key];
    if (item === undefined || (withoutHashFields && (key === HASH_FIELDS[0] || key === HASH_FIELDS[1] || key === HASH_FIELDS[2]))) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The canonical JSON of `{ stream, revision, type, data, metadata }` from the canonical texts of
 * data and metadata (undefined members left out, as canonicalJson does).
 */
function hashedRecord(stream: unknown, revision: unknown, type: unknown, data: string | undefined, metadata: string): string {
  let out = data === undefined ? '{' : `{"data":${data},`;
  out += `"metadata":${metadata}`;
  if (revision !== undefined) out += `,"revision":${canonicalJson(revision)}`;
  if (stream !== undefined) out += `,"stream":${canonicalJson(stream)}`;
  if (type !== undefined) out += `,"type":${canonicalJson(type)}`;
  return `${out}}`;
}

export function eventHash(
  previousHash: string,
  content: { stream: string; revision: number; type: string; data: unknown; metadata: Record<string, unknown> },
): string {
  // The metadata is hashed as an object copy of itself would be (null gives {}).
  const source = content.metadata as unknown;
  const metadata = canonicalObject(typeof source === 'object' && source !== null ? (source as Record<string, unknown>) : { ...(source as object) }, true);
  const data = content.data === undefined ? undefined : canonicalJson(content.data);
  return sha256(`${previousHash}\n${hashedRecord(content.stream, content.revision, content.type, data, metadata)}`);
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

/** What the key of event seals is derived with (HKDF-SHA256 over the audit signing key's raw bytes). */
export const SEAL_KEY_INFO = 'ticket-engine event seal v1';

/** The key events are sealed with, derived from the Ed25519 audit signing private key. */
export function sealKeyOf(signingKey: KeyObject): Buffer {
  const raw = signingKey.export({ format: 'jwk' }).d;
  if (typeof raw !== 'string') throw new Error('the audit signing key is not a private key');
  return Buffer.from(hkdfSync('sha256', Buffer.from(raw, 'base64url'), Buffer.alloc(0), SEAL_KEY_INFO, 32));
}

/** An event's seal: HMAC-SHA256 (hex) of its chain hash. */
export function eventSeal(sealKey: Buffer, chainHash: string): string {
  return createHmac('sha256', sealKey).update(chainHash).digest('hex');
}

/** Adds `seal` to events chained by `chainEvents` (an event without a chain hash is left as it is). */
export function sealEvents(sealKey: Buffer, events: readonly EventToAppend[]): EventToAppend[] {
  return events.map((event) => {
    const chainHash = event.metadata?.hash;
    return typeof chainHash === 'string' ? { ...event, metadata: { ...event.metadata, seal: eventSeal(sealKey, chainHash) } } : event;
  });
}

/** The first event that breaks the seal rule, and how. */
export interface SealProblem {
  readonly kind: 'UNSEALED' | 'FORGED';
  readonly event: RecordedEvent;
}

/**
 * Checks seals in log order: from the first sealed event on, every event must carry the seal of
 * its hash. Events before the first sealed one were written before seals existed and are not
 * judged. Keeps the first problem only.
 */
export class SealChecker {
  sealed = 0;
  firstProblem: SealProblem | undefined;
  /** The log index (0, 1, 2, ... in the order checked) of the first event with a seal. */
  firstSealed: number | undefined;
  private checked = 0;

  constructor(private readonly sealKey: Buffer) {}

  check(event: RecordedEvent): void {
    const index = this.checked++;
    const metadata = (typeof event.metadata === 'object' && event.metadata !== null ? event.metadata : {}) as Record<string, unknown>;
    const seal = metadata.seal;
    if (seal === undefined) {
      if (this.firstSealed !== undefined && !this.firstProblem) this.firstProblem = { kind: 'UNSEALED', event };
      return;
    }
    this.firstSealed ??= index;
    const chainHash = metadata.hash;
    const expected = typeof chainHash === 'string' ? Buffer.from(eventSeal(this.sealKey, chainHash), 'hex') : undefined;
    const given = typeof seal === 'string' && /^[0-9a-f]{64}$/.test(seal) ? Buffer.from(seal, 'hex') : undefined;
    if (expected && given && timingSafeEqual(expected, given)) {
      this.sealed += 1;
    } else if (!this.firstProblem) {
      this.firstProblem = { kind: 'FORGED', event };
    }
  }
}

/** What the chain covers of an event. */
export type ChainedEvent = Pick<RecordedEvent, 'stream' | 'revision' | 'type' | 'data' | 'metadata'>;

/** The reason given for an event whose stored data or metadata is not JSON. */
export const UNREADABLE_EVENT = 'the stored event is not valid JSON';
/** Why an event whose data or metadata is JSON but not an object (null, a number, a list) is broken. */
export const NOT_AN_OBJECT = 'the stored data or metadata is not a JSON object';

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

  check(event: ChainedEvent): void {
    if (!isJsonObject(event.data) || !isJsonObject(event.metadata)) {
      // Only tampering writes such a row: it breaks the chain there, and verify goes on.
      this.unreadable(event.stream, event.revision, NOT_AN_OBJECT);
      return;
    }
    this.checkedEvents += 1;
    const previous = this.previousOf(event.stream);
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

  /**
   * `check` for an event as stored, data and metadata still JSON text. When the text is what
   * JSON.stringify writes, its canonical form comes from the text itself (`canonical-text.ts`),
   * without parsing; an event found in order that way is passed. Anything else (a text of another
   * kind, a hash or link that does not match) is parsed and judged by `check` itself, so verdicts
   * and reasons are those of `check`; a text that does not parse is `UNREADABLE_EVENT`.
   */
  checkStored(event: StoredEventText): void {
    const { stream, revision, data, metadata } = event;
    if (typeof stream === 'string' && typeof data === 'string' && typeof metadata === 'string') {
      const canonicalData = canonicalText(data);
      const canonicalMetadata = canonicalData === undefined ? undefined : canonicalMetadataText(metadata);
      if (canonicalMetadata !== undefined) {
        const previous = this.previousOf(stream);
        const { hash: stored, previousHash } = canonicalMetadata;
        if (revision === previous.revision + 1 && previousHash === previous.hash && stored !== undefined) {
          const recomputed = sha256(`${previous.hash}\n${hashedRecord(stream, revision, event.type, canonicalData, canonicalMetadata.canonical)}`);
          if (stored === recomputed) {
            this.checkedEvents += 1;
            this.streams.set(stream, { revision, hash: stored, broken: previous.broken });
            return;
          }
        }
      }
    }
    let parsed: ChainedEvent;
    try {
      parsed = { stream, revision, type: event.type, data: JSON.parse(data), metadata: JSON.parse(metadata) };
    } catch {
      this.unreadable(stream, revision, UNREADABLE_EVENT);
      return;
    }
    this.check(parsed);
  }

  private previousOf(stream: string): { revision: number; hash: string; broken: boolean } {
    return this.streams.get(stream) ?? { revision: -1, hash: genesisHash(stream), broken: false };
  }
}

function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}
