import { generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainEvents, sealKeyOf, signTreeHead, SqliteEventStore, TreeFile, type EventStore, type RecordedEvent } from '@app/event-store';
import { sealingStore } from '../../../api/src/audit/event-sealer';
import { writeChainedStore } from '../../../../test/support/chained-store';
import { leafOf } from '../../../api/src/audit/log-tree';
import { auditLogSince } from './log-audit';

/**
 * verify --since beside a running API: events read from the log after the API's latest head are
 * not called unsigned when the API signs them while verify runs; they are when it does not.
 */
describe('auditLogSince', () => {
  const dir = mkdtempSync(join(tmpdir(), 'log-audit-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  let store: SqliteEventStore;
  let tree: TreeFile;
  let events: RecordedEvent[];
  const headOf = (size: number) => signTreeHead(privateKey, { treeSize: size, rootHash: tree.rootAt(size).toString('hex'), timestamp: new Date().toISOString() });

  beforeAll(async () => {
    writeChainedStore(join(dir, 'events.db'), { events: 40, streams: 3 });
    store = SqliteEventStore.open({ path: join(dir, 'events.db') });
    events = [];
    for await (const event of store.readAll()) events.push(event);
    tree = TreeFile.open(join(dir, 'tree.db'));
    tree.append(events.map(leafOf));
  });

  afterAll(async () => {
    tree.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const audit = (saved: unknown, signWaitMs: number) =>
    auditLogSince({ store, treePath: join(dir, 'tree.db'), publicKey, saved, densePositions: true, signWaitMs });

  it('waits for a head the API signs meanwhile over the newest events', async () => {
    const saved = headOf(10);
    tree.saveHead(headOf(30));
    // The API signs the last ten events 600 ms after verify has started.
    const signing = setTimeout(() => tree.saveHead(headOf(40)), 600);
    const result = await audit(saved, 5000);
    clearTimeout(signing);
    expect(result).toMatchObject({ ok: true, events: 40, findings: [] });
  });

  it('names the newest events unsigned when no head covers them', async () => {
    const saved = headOf(10);
    tree.saveHead(headOf(30));
    const result = await audit(saved, 500);
    expect(result.ok).toBe(false);
    expect(result.findings.map((finding) => finding.kind)).toEqual(['UNSIGNED']);
    expect(result.findings[0].message).toMatch(new RegExp(`^events 30 to 39 \\(the first: ${events[30].stream} revision ${events[30].revision} at position 30\\)`));
  });

  it('names a log shorter than the latest head the API signed, though it still extends the saved one', async () => {
    const saved = headOf(10);
    const signed = headOf(40);
    const shorter = TreeFile.open(join(dir, 'tree-longer.db'));
    try {
      shorter.append([...events.map(leafOf), { stream: 'note-0', revision: 99, position: { commit: 40n, prepare: 40n }, hash: 'a'.repeat(64), seal: '' }]);
      shorter.saveHead(signTreeHead(privateKey, { treeSize: 41, rootHash: shorter.rootAt(41).toString('hex'), timestamp: signed.timestamp }));
    } finally {
      shorter.close();
    }
    const result = await auditLogSince({ store, treePath: join(dir, 'tree-longer.db'), publicKey, saved, densePositions: true, signWaitMs: 0 });
    expect(result.findings.map((finding) => finding.kind)).toEqual(['TRUNCATED']);
    expect(result.findings[0].message).toMatch(/^the log has 40 events, fewer than the 41 of the latest head the API signed/);
  });
});

/**
 * The seal check of verify --since: events the API appended carry the seal of their chain hash
 * under the audit key; one appended without the key has none (UNSEALED) or a wrong one (FORGED).
 */
describe('auditLogSince over sealed events', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = { privateKey, publicKey, publicKeyPem: '', logId: '', path: '', created: false };
  const dirs: string[] = [];

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Appends one chained event to `stream` through `store` (the API's sealing store or the bare one). */
  async function appendTo(store: EventStore, raw: SqliteEventStore, stream: string, metadata: Record<string, unknown> = {}): Promise<void> {
    const read: RecordedEvent[] = [];
    for await (const event of raw.readAll()) if (event.stream === stream) read.push(event);
    const chained = chainEvents(stream, read.at(-1), [{ type: 'Noted', data: { n: read.length }, metadata: { actor: 'test' } }]);
    await store.append(stream, chained.map((event) => ({ ...event, metadata: { ...event.metadata, ...metadata } })), { expectedRevision: read.at(-1)?.revision ?? 'no_stream' });
  }

  /** A log of `before` unsealed events (an older version), six the API sealed, then what `tamper` appends; verified against a head at 3. */
  async function auditAfter(before: number, tamper: (raw: SqliteEventStore, dir: string) => Promise<void>, seal: Parameters<typeof auditLogSince>[0]['seal'] = { key: sealKeyOf(privateKey) }) {
    const dir = mkdtempSync(join(tmpdir(), 'log-seal-'));
    dirs.push(dir);
    const raw = SqliteEventStore.open({ path: join(dir, 'events.db') });
    const api = sealingStore(raw, key);
    const tree = TreeFile.open(join(dir, 'tree.db'));
    try {
      for (let i = 0; i < before; i++) await appendTo(raw, raw, `old-${i % 2}`);
      for (let i = 0; i < 6; i++) await appendTo(api, raw, `ticket-${i % 3}`);
      await tamper(raw, dir);
      const events: RecordedEvent[] = [];
      for await (const event of raw.readAll()) events.push(event);
      // The API's follower signs whatever the log holds when it starts again.
      tree.append(events.map(leafOf));
      const head = (size: number) => signTreeHead(privateKey, { treeSize: size, rootHash: tree.rootAt(size).toString('hex'), timestamp: new Date().toISOString() });
      tree.saveHead(head(events.length));
      const result = await auditLogSince({ store: raw, treePath: join(dir, 'tree.db'), publicKey, saved: head(3), densePositions: true, signWaitMs: 0, seal });
      return { result, events };
    } finally {
      tree.close();
      await raw.close();
    }
  }

  it('passes a log whose events the API sealed, after events an older version wrote without seals', async () => {
    const { result, events } = await auditAfter(4, async () => {});
    expect(events.slice(0, 4).every((event) => event.metadata.seal === undefined)).toBe(true);
    expect(events.slice(4).every((event) => typeof event.metadata.seal === 'string')).toBe(true);
    expect(result).toMatchObject({ ok: true, events: 10, findings: [], notes: [], sealedFrom: 4 });
  });

  it('names an event appended after sealed ones without a seal as UNSEALED, though its chain hash is correct', async () => {
    const { result, events } = await auditAfter(0, async (raw) => appendTo(raw, raw, 'ticket-1'));
    expect(result.findings.map((finding) => finding.kind)).toEqual(['UNSEALED']);
    expect(result.findings[0].message).toBe(`ticket-1 revision 2 at position 6 carries no seal, though an event before it does: it was written to the store outside the API`);
    expect(events[6].metadata.seal).toBeUndefined();
  });

  it('names an event with a seal made without the audit key as FORGED', async () => {
    const otherKey = { ...key, privateKey: generateKeyPairSync('ed25519').privateKey };
    const { result } = await auditAfter(2, async (raw) => appendTo(sealingStore(raw, otherKey), raw, 'ticket-2'));
    expect(result.findings.map((finding) => finding.kind)).toEqual(['FORGED']);
    expect(result.findings[0].message).toMatch(/^ticket-2 revision 2 at position 8 carries a seal that is not the one the audit key gives its hash/);
  });

  it('names a seal that is no seal at all as FORGED', async () => {
    const { result } = await auditAfter(0, async (raw) => appendTo(raw, raw, 'ticket-0', { seal: 'f'.repeat(64) }));
    expect(result.findings.map((finding) => finding.kind)).toEqual(['FORGED']);
    expect(result.findings[0].message).toMatch(/^ticket-0 revision 2 at position 6 /);
  });

  it('says the seals were not checked, without failing, when the private key is not at hand', async () => {
    const { result } = await auditAfter(0, async (raw) => appendTo(raw, raw, 'ticket-1'), { skipped: 'event seals not checked: no key' });
    expect(result).toMatchObject({ ok: true, findings: [], notes: ['event seals not checked: no key'] });
    expect(result.sealedFrom).toBeUndefined();
  });

  it('says so when no event carries a seal: written before seals, or every seal stripped', async () => {
    const { result } = await auditAfter(3, async (_, dir) => {
      // A second connection to the file, as a writer outside the API would have.
      const db = new Database(join(dir, 'events.db'));
      db.prepare(`UPDATE events SET metadata = json_remove(metadata, '$.seal')`).run();
      db.close();
    });
    expect(result.findings).toEqual([]);
    expect(result.notes).toEqual([expect.stringMatching(/^no event carries a seal: the log was written before seals existed, or its seals were stripped/)]);
    expect(result.sealedFrom).toBeUndefined();
  });
});
