import { mkdtempSync, rmSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Position } from '../position';
import { leafHashOf, type LeafEvent } from './leaf-data';
import { rootHash, TreeFrontier, verifyConsistency, verifyInclusion } from './merkle-tree';
import { TreeFile } from './tree-file';
import { signTreeHead, verifyTreeHead } from './tree-head';

const dirs: string[] = [];
const treePath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tree-file-'));
  dirs.push(dir);
  return join(dir, 'tree.db');
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const event = (i: number, position: Position = { commit: BigInt(i), prepare: BigInt(i) }): LeafEvent => ({
  stream: `ticket-${i % 7}`,
  revision: Math.floor(i / 7),
  position,
  hash: i.toString(16).padStart(64, '0'),
  seal: i % 3 === 0 ? '' : (i * 7).toString(16).padStart(64, '0'),
});

describe('TreeFile (tree.db)', () => {
  it('keeps the tree as events come in batches, and serves roots and proofs of every size after a reopen', () => {
    const path = treePath();
    const events = Array.from({ length: 300 }, (_, i) => event(i));
    const tree = TreeFile.open(path);
    for (let from = 0; from < events.length; from += 37) tree.append(events.slice(from, from + 37));
    tree.close();
    const reopened = TreeFile.openReadOnly(path);
    const expected = TreeFrontier.empty();
    const roots = [expected.root()];
    for (const e of events) {
      expected.append(leafHashOf(e));
      roots.push(expected.root());
    }
    expect(reopened.size).toBe(300);
    for (const size of [0, 1, 2, 3, 64, 100, 255, 256, 257, 300]) expect(reopened.rootAt(size).equals(roots[size])).toBe(true);
    for (const index of [0, 5, 63, 64, 199, 299]) {
      expect(verifyInclusion(leafHashOf(events[index]), index, 300, reopened.inclusionProof(index, 300), roots[300])).toBe(true);
      if (index < 257) expect(verifyInclusion(leafHashOf(events[index]), index, 257, reopened.inclusionProof(index, 257), roots[257])).toBe(true);
      else expect(() => reopened.inclusionProof(index, 257)).toThrow(RangeError);
    }
    for (const from of [1, 2, 7, 128, 299]) expect(verifyConsistency(from, 300, roots[from], roots[300], reopened.consistencyProof(from, 300))).toBe(true);
    expect(reopened.leafAt({ commit: 73n, prepare: 73n })).toMatchObject({ index: 73, stream: 'ticket-3', revision: 10 });
    expect(reopened.leafAt({ commit: 300n, prepare: 300n })).toBeUndefined();
    reopened.close();
  });

  it('numbers leaves by their order in the log, not by position: EventStoreDB positions are neither dense nor equal', () => {
    const tree = TreeFile.open(treePath());
    // $all positions as EventStoreDB gives them: commit/prepare pairs with large gaps.
    const positions = [
      { commit: 1_024n, prepare: 1_024n },
      { commit: 5_120n, prepare: 4_999n },
      { commit: 5_120n, prepare: 5_020n },
      { commit: 90_112n, prepare: 90_112n },
    ];
    const events = positions.map((position, i) => event(i, position));
    tree.append(events.slice(0, 3));
    // Redelivered after a restart (a subscription resumes from the last position it is sure of): not added twice.
    tree.append(events.slice(1));
    expect(tree.size).toBe(4);
    expect([0, 1, 2, 3].map((i) => tree.leaf(i)?.position)).toEqual(['1024', '5120/4999', '5120/5020', '90112']);
    expect(tree.lastPosition()).toEqual({ commit: 90_112n, prepare: 90_112n });
    expect(positions.map((position) => tree.leafAt(position)?.index)).toEqual([0, 1, 2, 3]);
    expect(tree.leafAt({ commit: 5_120n, prepare: 5_000n })).toBeUndefined();
    expect(tree.root.equals(rootHash(tree, 4))).toBe(true);
    tree.close();
  });

  it('takes two processes following one log on one DATA_DIR: each event once, in log order', () => {
    const path = treePath();
    const [first, second] = [TreeFile.open(path), TreeFile.open(path)];
    const events = Array.from({ length: 50 }, (_, i) => event(i));
    // Each follower sees the log in order, at its own pace.
    first.append(events.slice(0, 20));
    second.append(events.slice(0, 10));
    second.append(events.slice(10, 35));
    first.append(events.slice(20, 30));
    first.append(events.slice(30, 50));
    second.append(events.slice(35, 50));
    const expected = TreeFrontier.empty();
    for (const e of events) expected.append(leafHashOf(e));
    for (const tree of [first, second]) {
      expect(tree.size).toBe(50);
      expect(tree.root.equals(expected.root())).toBe(true);
      expect(tree.rootAt(50).equals(expected.root())).toBe(true);
      tree.close();
    }
  });

  it('keeps the latest signed head, which checks against the key that signed it only', () => {
    const tree = TreeFile.open(treePath());
    tree.append([event(0), event(1)]);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const head = signTreeHead(privateKey, { treeSize: 2, rootHash: tree.root.toString('hex'), timestamp: '2026-12-04T10:00:00.000Z' });
    tree.saveHead(head);
    expect(tree.latestHead()).toEqual(head);
    expect(verifyTreeHead(publicKey, tree.latestHead())).toBe(true);
    expect(verifyTreeHead(generateKeyPairSync('ed25519').publicKey, head)).toBe(false);
    expect(verifyTreeHead(publicKey, { ...head, timestamp: '2026-12-04T10:00:01.000Z' })).toBe(false);
    tree.close();
  });
});
