import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTreeHead, SqliteEventStore, TreeFile, type RecordedEvent } from '@app/event-store';
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
      shorter.append([...events.map(leafOf), { stream: 'note-0', revision: 99, position: { commit: 40n, prepare: 40n }, hash: 'a'.repeat(64) }]);
      shorter.saveHead(signTreeHead(privateKey, { treeSize: 41, rootHash: shorter.rootAt(41).toString('hex'), timestamp: signed.timestamp }));
    } finally {
      shorter.close();
    }
    const result = await auditLogSince({ store, treePath: join(dir, 'tree-longer.db'), publicKey, saved, densePositions: true, signWaitMs: 0 });
    expect(result.findings.map((finding) => finding.kind)).toEqual(['TRUNCATED']);
    expect(result.findings[0].message).toMatch(/^the log has 40 events, fewer than the 41 of the latest head the API signed/);
  });
});
