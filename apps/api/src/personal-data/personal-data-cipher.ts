import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@app/event-store';
import { mapPersonalValues, personalFieldsOf, personalValues } from '@app/ticketing';
import { ERASED, isEnvelope, open, seal, type Envelope } from './envelope';
import type { DataKey, KeyStore } from './key-store';

/**
 * Seals the personal fields of events as they are appended (PERSONAL_FIELDS says which) and opens
 * them as they are read; a field whose key was destroyed reads as "[erased]". Keys are kept in
 * memory once used: the append path costs one AES-GCM per personal field, no I/O.
 */
export class PersonalDataCipher {
  /** Keys by id, as last read: the key, or `destroyed`. */
  private readonly keys = new Map<string, Buffer | 'destroyed'>();
  /** Each customer's live key. */
  private readonly live = new Map<string, DataKey>();
  /** `customer\nstream` pairs already noted in the key store. */
  private readonly noted = new Set<string>();
  private readonly missing = new Set<string>();

  /** `warn`: where a missing key is reported (the CLI keeps stdout for its answers). */
  constructor(
    readonly keyStore: KeyStore,
    private readonly warn: (message: string) => void = (message) => new Logger('PersonalData').warn(message),
  ) {}

  /**
   * The events with each personal value sealed under the key of `customerId`, the customer of
   * `stream`; events with nothing personal are handed back as they are (the same array when none has).
   */
  async seal<E extends { type: string; data: object }>(stream: string, events: readonly E[], customerId: string | undefined, now: string): Promise<readonly E[]> {
    if (!events.some((event) => personalValues(event.type, event.data as Record<string, unknown>).length > 0)) return events;
    if (!customerId) throw new Error(`${stream}: personal data with no customer to key it to`);
    const key = await this.keyFor(customerId, now);
    const pair = `${customerId}\n${stream}`;
    if (!this.noted.has(pair)) {
      await this.keyStore.noteStream(customerId, stream);
      this.noted.add(pair);
    }
    return events.map((event) => {
      const data = mapPersonalValues(event.type, event.data as Record<string, unknown>, (value) => (isEnvelope(value) ? value : seal(value, key.kid, key.key)));
      return data === event.data ? event : { ...event, data };
    });
  }

  /** The events with their personal values opened; events with none are handed back as they are. */
  async reveal(events: readonly RecordedEvent[]): Promise<readonly RecordedEvent[]> {
    const envelopes = events.flatMap((event) => personalValues(event.type, event.data).map((found) => found.value).filter(isEnvelope));
    if (envelopes.length === 0) return events;
    await this.load(envelopes);
    return events.map((event) => {
      if (personalFieldsOf(event.type).length === 0) return event;
      const data = mapPersonalValues(event.type, event.data, (value) => (isEnvelope(value) ? this.openLoaded(value) : value));
      return data === event.data ? event : { ...event, data };
    });
  }

  /** `value` (any JSON: a view's answer, a webhook body) with every envelope in it opened. */
  async revealDeep<T>(value: T): Promise<T> {
    const envelopes: Envelope[] = [];
    walk(value, (found) => {
      envelopes.push(found);
      return found;
    });
    if (envelopes.length === 0) return value;
    await this.load(envelopes);
    return walk(value, (found) => this.openLoaded(found)) as T;
  }

  /** Destroys the customer's keys (see KeyStore.destroy) and forgets them here. */
  async erase(customerId: string, now: string): Promise<string[]> {
    this.live.delete(customerId);
    const destroyed = await this.keyStore.destroy(customerId, now);
    for (const kid of destroyed) this.keys.set(kid, 'destroyed');
    for (const record of await this.keyStore.keysOf(customerId)) if (record.destroyedAt) this.keys.set(record.kid, 'destroyed');
    return destroyed;
  }

  private async keyFor(customerId: string, now: string): Promise<DataKey> {
    const known = this.live.get(customerId);
    if (known) return known;
    const key = await this.keyStore.keyFor(customerId, now);
    this.live.set(customerId, key);
    this.keys.set(key.kid, key.key);
    return key;
  }

  private async load(envelopes: readonly Envelope[]): Promise<void> {
    for (const { kid } of envelopes) {
      if (this.keys.has(kid) || this.missing.has(kid)) continue;
      const key = await this.keyStore.keyById(kid);
      if (key === undefined) {
        this.missing.add(kid);
        this.warn(`data key ${kid} is not in the key store: its fields read as ${ERASED} (was keys.db restored from an older copy?)`);
      } else {
        this.keys.set(kid, key);
      }
    }
  }

  private openLoaded(envelope: Envelope): unknown {
    const key = this.keys.get(envelope.kid);
    return key === undefined || key === 'destroyed' ? ERASED : open(envelope, key);
  }
}

function walk(value: unknown, replace: (envelope: Envelope) => unknown): unknown {
  if (isEnvelope(value)) return replace(value);
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const next = walk(item, replace);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? items : value;
  }
  if (value === null || typeof value !== 'object') return value;
  let copy: Record<string, unknown> | undefined;
  for (const [name, item] of Object.entries(value)) {
    const next = walk(item, replace);
    if (next !== item) (copy ??= { ...(value as Record<string, unknown>) })[name] = next;
  }
  return copy ?? value;
}
