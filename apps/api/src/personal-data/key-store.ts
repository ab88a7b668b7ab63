/** A customer's data key: its id (named in every envelope made with it) and its 32 bytes. */
export type DataKey = Readonly<{ kid: string; key: Buffer }>;

/** One key of a customer as the store lists it. */
export type KeyRecord = Readonly<{ kid: string; createdAt: string; destroyedAt: string | null }>;

/**
 * Where the data keys of personal data live, one (or, after an erasure and new data, more) per
 * customer. The local store is `<DATA_DIR>/keys.db`, its keys wrapped by a master key; a
 * deployment with a KMS implements this port instead: `keyFor` asks the KMS for a new data key
 * and keeps the wrapped copy, `keyById` has the KMS unwrap it, `destroy` deletes the wrapped
 * copies (or schedules the deletion of a per-customer KMS key).
 */
export interface KeyStore {
  /** The customer's live data key, created when it has none. */
  keyFor(customerId: string, now: string): Promise<DataKey>;
  /** The key named `kid`: its bytes, `destroyed` once erased, undefined when this store never held it. */
  keyById(kid: string): Promise<Buffer | 'destroyed' | undefined>;
  /** Destroys every live key of the customer, for good; answers the ids destroyed now (none when erased already). */
  destroy(customerId: string, now: string): Promise<string[]>;
  /** Every key the customer ever had, live or destroyed. */
  keysOf(customerId: string): Promise<KeyRecord[]>;
  /** Notes that `stream` holds personal data of the customer, so an access or erasure request finds it. */
  noteStream(customerId: string, stream: string): Promise<void>;
  /** The streams noted for the customer, in the order first noted. */
  streamsOf(customerId: string): Promise<string[]>;
  close(): void;
}

export const KEY_STORE = Symbol('KEY_STORE');
