import Database from 'better-sqlite3';
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DataKey, KeyRecord, KeyStore } from './key-store';

/**
 * The data keys in a SQLite file of their own (`<DATA_DIR>/keys.db`, mode 0600), each wrapped
 * (AES-256-GCM, the key id authenticated with it) by the master key, which never enters the file.
 *
 * A destroyed key keeps its row, without its bytes, as a tombstone: reads then know the data was
 * erased rather than lost, and the erasure is idempotent. `secure_delete` zeroes the freed bytes
 * and a TRUNCATE checkpoint empties the WAL, so a destroyed key is in no file once `destroy` returns.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;

  constructor(
    readonly path: string,
    private readonly masterKey: Buffer,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    chmodSync(path, 0o600);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit does not wait for an fsync on the request thread. The stream notes (an
    // index an access request reads) may lose their last entries to a power loss; a new key is
    // fsynced before it is used (see keyFor), a destruction runs at FULL.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS data_keys (
        kid TEXT PRIMARY KEY, customer_id TEXT NOT NULL, wrapped BLOB, created_at TEXT NOT NULL, destroyed_at TEXT
      );
      CREATE INDEX IF NOT EXISTS data_keys_customer ON data_keys (customer_id, created_at);
      CREATE TABLE IF NOT EXISTS customer_streams (
        id INTEGER PRIMARY KEY, customer_id TEXT NOT NULL, stream TEXT NOT NULL, UNIQUE (customer_id, stream)
      );
    `);
    for (const suffix of ['-wal', '-shm']) {
      try {
        chmodSync(path + suffix, 0o600);
      } catch {
        // Not there (yet): SQLite creates them with the main file's mode.
      }
    }
  }

  /**
   * A new key is durable before it seals anything: the event that holds its envelopes may be
   * durable a moment later, and a key lost to a power failure would make them unreadable for good.
   * The commit is written at NORMAL and its WAL then fsynced off the request thread, so that a new
   * customer's first command does not stop every other request for the length of an fsync.
   */
  async keyFor(customerId: string, now: string): Promise<DataKey> {
    // A customer's live key is looked up and unwrapped once, not on every command; an erasure
    // in this process forgets it (another process keeps it until it restarts, as it keeps its
    // open keys: see "Personal-data keys" in docs/operations.md).
    const known = this.live.get(customerId);
    if (known) return known;
    const live = this.liveKey(customerId);
    if (live) return this.remember(customerId, live);
    const created = this.createKey(customerId, now);
    await syncFile(existsSync(`${this.path}-wal`) ? `${this.path}-wal` : this.path);
    return this.remember(customerId, created);
  }

  /** Live keys by customer, at most LIVE_KEYS_KEPT of them (the oldest goes first). */
  private readonly live = new Map<string, DataKey>();
  /** The (customer, stream) pairs this process noted: a stream is noted once, not on every append. */
  private readonly noted = new Set<string>();

  private remember(customerId: string, key: DataKey): DataKey {
    if (this.live.size >= LIVE_KEYS_KEPT) this.live.delete(this.live.keys().next().value!);
    this.live.set(customerId, key);
    return key;
  }

  private liveKey(customerId: string): DataKey | undefined {
    const live = this.db.prepare('SELECT kid, wrapped FROM data_keys WHERE customer_id = ? AND wrapped IS NOT NULL ORDER BY created_at DESC LIMIT 1').get(customerId) as
      | { kid: string; wrapped: Buffer }
      | undefined;
    return live && { kid: live.kid, key: this.unwrap(live.kid, live.wrapped) };
  }

  private createKey(customerId: string, now: string): DataKey {
    return this.db
      .transaction((): DataKey => {
        // Another process on this file may have made one since the read outside the transaction.
        const live = this.liveKey(customerId);
        if (live) return live;
        const kid = randomUUID();
        const key = randomBytes(32);
        this.db.prepare('INSERT INTO data_keys (kid, customer_id, wrapped, created_at) VALUES (?, ?, ?, ?)').run(kid, customerId, this.wrap(kid, key), now);
        return { kid, key };
      })
      .immediate();
  }

  async keyById(kid: string): Promise<Buffer | 'destroyed' | undefined> {
    const row = this.db.prepare('SELECT wrapped FROM data_keys WHERE kid = ?').get(kid) as { wrapped: Buffer | null } | undefined;
    if (!row) return undefined;
    return row.wrapped ? this.unwrap(kid, row.wrapped) : 'destroyed';
  }

  async destroy(customerId: string, now: string): Promise<string[]> {
    this.live.delete(customerId);
    this.db.pragma('synchronous = FULL');
    try {
      const destroyed = this.db
        .transaction(() => {
          const kids = (this.db.prepare('SELECT kid FROM data_keys WHERE customer_id = ? AND wrapped IS NOT NULL').all(customerId) as Array<{ kid: string }>).map((row) => row.kid);
          this.db.prepare('UPDATE data_keys SET wrapped = NULL, destroyed_at = ? WHERE customer_id = ? AND wrapped IS NOT NULL').run(now, customerId);
          return kids;
        })
        .immediate();
      // The old page images hold the wrapped key: copy the zeroed pages back and empty the WAL.
      const [checkpoint] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (checkpoint?.busy) throw new Error(`${this.path}: another connection kept the checkpoint from emptying the WAL; the destroyed key may remain in it until the next erasure`);
      return destroyed;
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  async keysOf(customerId: string): Promise<KeyRecord[]> {
    return (
      this.db.prepare('SELECT kid, created_at, destroyed_at FROM data_keys WHERE customer_id = ? ORDER BY created_at, kid').all(customerId) as Array<{
        kid: string;
        created_at: string;
        destroyed_at: string | null;
      }>
    ).map((row) => ({ kid: row.kid, createdAt: row.created_at, destroyedAt: row.destroyed_at }));
  }

  async noteStream(customerId: string, stream: string): Promise<void> {
    const pair = `${customerId}\u0000${stream}`;
    if (this.noted.has(pair)) return;
    this.db
      .prepare('INSERT OR IGNORE INTO customer_streams (customer_id, stream) VALUES (?, ?)')
      .run(customerId, stream);
    if (this.noted.size >= NOTED_STREAMS_KEPT) this.noted.clear();
    this.noted.add(pair);
  }

  async streamsOf(customerId: string): Promise<string[]> {
    return (this.db.prepare('SELECT stream FROM customer_streams WHERE customer_id = ? ORDER BY id').all(customerId) as Array<{ stream: string }>).map((row) => row.stream);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private wrap(kid: string, key: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const ct = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]);
  }

  private unwrap(kid: string, wrapped: Buffer): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(wrapped.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
    } catch {
      throw new Error(`data key ${kid} in ${this.path} does not open with this master key (PII_MASTER_KEY_FILE is not the key keys.db was made with)`);
    }
  }
}

/** How many customers' live keys a process keeps unwrapped in memory. */
const LIVE_KEYS_KEPT = 10_000;
/** How many noted (customer, stream) pairs a process remembers before it starts over. */
const NOTED_STREAMS_KEPT = 100_000;

/** fsync of a file, on libuv's thread pool. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
