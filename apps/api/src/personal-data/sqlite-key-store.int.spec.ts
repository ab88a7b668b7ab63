import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@app/event-store';
import { ERASED } from './envelope';
import { loadMasterKey, MasterKeyError } from './master-key';
import { PersonalDataCipher } from './personal-data-cipher';
import { SqliteKeyStore } from './sqlite-key-store';

const NOW = '2026-12-04T10:00:00.000Z';

describe('SqliteKeyStore and PersonalDataCipher', () => {
  let dir: string;
  let stores: SqliteKeyStore[];
  const open = (master = randomBytes(32)) => {
    const store = new SqliteKeyStore(join(dir, 'keys.db'), master);
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
    stores = [];
  });
  afterEach(() => {
    for (const store of stores) store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one live key per customer, wrapped: the file is mode 0600 and holds no key in clear', async () => {
    const store = open();
    const a = await store.keyFor('c-1', NOW);
    expect(await store.keyFor('c-1', NOW)).toEqual(a);
    const b = await store.keyFor('c-2', NOW);
    expect(b.kid).not.toBe(a.kid);
    expect(await store.keyById(a.kid)).toEqual(a.key);
    expect(statSync(join(dir, 'keys.db')).mode & 0o777).toBe(0o600);
    store.close();
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file)).includes(a.key)).toBe(false);
  });

  it('reopens with the same master key, and refuses another one with a clear message', async () => {
    const master = randomBytes(32);
    const first = open(master);
    const { kid, key } = await first.keyFor('c-1', NOW);
    first.close();
    expect(await open(master).keyById(kid)).toEqual(key);
    await expect(open(randomBytes(32)).keyById(kid)).rejects.toThrow('does not open with this master key');
  });

  it('destroys the keys of a customer for good, leaving a tombstone; a second destroy finds none', async () => {
    const store = open();
    const { kid, key } = await store.keyFor('c-1', NOW);
    const other = await store.keyFor('c-2', NOW);
    const wrapped = await readWrapped(store, kid);
    expect(await store.destroy('c-1', NOW)).toEqual([kid]);
    expect(await store.keyById(kid)).toBe('destroyed');
    expect(await store.destroy('c-1', NOW)).toEqual([]);
    expect(await store.keysOf('c-1')).toEqual([{ kid, createdAt: NOW, destroyedAt: NOW }]);
    expect(await store.keyById(other.kid)).toEqual(other.key);
    // secure_delete and the TRUNCATE checkpoint: the wrapped key is in no file any more.
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      expect([file, bytes.includes(wrapped)]).toEqual([file, false]);
      expect(bytes.includes(key)).toBe(false);
    }
    // A new key after an erasure is a new key.
    const again = await store.keyFor('c-1', NOW);
    expect(again.kid).not.toBe(kid);
  });

  it('notes the streams of a customer once each, in order', async () => {
    const store = open();
    await store.noteStream('c-1', 'asset-a');
    await store.noteStream('c-1', 'ticket-t');
    await store.noteStream('c-1', 'asset-a');
    await store.noteStream('c-2', 'ticket-u');
    expect(await store.streamsOf('c-1')).toEqual(['asset-a', 'ticket-t']);
  });

  it('seals only personal fields, opens them back, and reads "[erased]" after the customer is erased', async () => {
    const cipher = new PersonalDataCipher(open());
    const events = [
      { type: 'AssetRegistered', data: { assetId: 'a', customerId: 'c-1', ownerName: 'Wang Fang', name: 'Lift', contacts: [{ name: 'Li Lei', phone: '138' }] } },
      { type: 'CoverageExtended', data: { category: 'x', approvedBy: 'desk', reason: 'goodwill' } },
    ];
    const sealed = await cipher.seal('asset-a', events, 'c-1', NOW);
    expect(sealed[1]).toBe(events[1]);
    expect(JSON.stringify(sealed)).not.toContain('Wang Fang');
    expect(JSON.stringify(sealed)).not.toContain('Li Lei');
    expect(sealed[0].data).toMatchObject({ assetId: 'a', customerId: 'c-1', name: 'Lift' });
    const recorded = sealed.map((event, revision) => ({ ...event, id: String(revision), stream: 'asset-a', revision, position: BigInt(revision), metadata: {}, recordedAt: NOW }) as unknown as RecordedEvent);
    expect((await cipher.reveal(recorded)).map((event) => event.data)).toEqual(events.map((event) => event.data));
    expect(await cipher.revealDeep({ nested: [recorded[0].data] })).toEqual({ nested: [events[0].data] });

    await cipher.erase('c-1', NOW);
    const erased = (await cipher.reveal(recorded))[0].data;
    expect(erased).toMatchObject({ ownerName: ERASED, contacts: [{ name: ERASED, phone: ERASED }], name: 'Lift' });
    // Another process (a fresh cipher over the same file) reads the same.
    expect((await new PersonalDataCipher(stores[0]).reveal(recorded))[0].data).toMatchObject({ ownerName: ERASED });
  });

  it('refuses to seal personal data with no customer to key it to', async () => {
    const cipher = new PersonalDataCipher(open());
    await expect(cipher.seal('ticket-t', [{ type: 'SatisfactionRated', data: { kind: 'onsite', score: 1, comment: 'rude' } }], undefined, NOW)).rejects.toThrow('no customer');
  });

  it('generates a master key file of mode 0600 once, and refuses one that is not 32 bytes of base64', () => {
    const path = join(dir, 'secret', 'master.key');
    const first = loadMasterKey(path);
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadMasterKey(path)).toEqual({ key: first.key, created: false });
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'short');
    expect(() => loadMasterKey(bad)).toThrow(MasterKeyError);
    expect(existsSync(path)).toBe(true);
  });
});

async function readWrapped(store: SqliteKeyStore, kid: string): Promise<Buffer> {
  const db = new (await import('better-sqlite3')).default(store.path, { readonly: true });
  try {
    return (db.prepare('SELECT wrapped FROM data_keys WHERE kid = ?').get(kid) as { wrapped: Buffer }).wrapped;
  } finally {
    db.close();
  }
}
