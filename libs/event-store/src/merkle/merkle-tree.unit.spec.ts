import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  nodeHash,
  rootHash,
  TreeFrontier,
  verifyConsistency,
  verifyInclusion,
  type NodeSource,
} from './merkle-tree';

// The definitions of RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1 written out directly over a list of leaf hashes.
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const split = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0];
  const k = split(d.length);
  return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = split(d.length);
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

/** A tree built leaf by leaf through the frontier, its finished nodes kept as a store would keep them. */
function grown(leaves: Buffer[]): NodeSource {
  const nodes = new Map<string, Buffer>();
  const frontier = TreeFrontier.empty();
  for (const leaf of leaves) for (const node of frontier.append(leaf)) nodes.set(`${node.level}/${node.index}`, node.hash);
  return {
    node(level, index) {
      const hash = nodes.get(`${level}/${index}`);
      if (!hash) throw new Error(`no node ${level}/${index}`);
      return hash;
    },
  };
}

const leavesOf = (n: number, seed = 0) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${seed} ${i}`)));

describe('Merkle tree (RFC 9162)', () => {
  it('gives the roots of the Certificate Transparency test vectors', () => {
    const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) => leafHash(Buffer.from(hex, 'hex')));
    const expected = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    const source = grown(inputs);
    expect(expected.map((_, i) => rootHash(source, i + 1).toString('hex'))).toEqual(expected);
    expect(rootHash(source, 0).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(EMPTY_ROOT.equals(sha())).toBe(true);
  });

  it('keeps the root of every size as the definition gives it, from stored nodes and from the frontier', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 299 }), (n, cut) => {
        const leaves = leavesOf(n);
        const source = grown(leaves);
        const m = Math.min(cut, n);
        const frontier = TreeFrontier.at(source, m);
        expect(frontier.root().equals(mth(leaves.slice(0, m)))).toBe(true);
        expect(rootHash(source, m).equals(mth(leaves.slice(0, m)))).toBe(true);
        // A frontier read back from the stored nodes grows on as the first one did.
        for (const leaf of leaves.slice(m)) frontier.append(leaf);
        expect(frontier.root().equals(mth(leaves))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('proves every leaf of random sizes, and the proofs are the RFC audit paths', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (n) => {
        const leaves = leavesOf(n);
        const source = grown(leaves);
        const root = mth(leaves);
        for (let m = 0; m < n; m++) {
          const proof = inclusionProof(source, m, n);
          expect(proof.map((p) => p.toString('hex'))).toEqual(path(m, leaves).map((p) => p.toString('hex')));
          expect(verifyInclusion(leaves[m], m, n, proof, root)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('proves every earlier size consistent with a later one, and the proofs are the RFC ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 130 }), (n) => {
        const leaves = leavesOf(n);
        const source = grown(leaves);
        for (let m = 0; m <= n; m++) {
          const proof = consistencyProof(source, m, n);
          if (m > 0 && m < n) expect(proof.map((p) => p.toString('hex'))).toEqual(subproof(m, leaves, true).map((p) => p.toString('hex')));
          expect(verifyConsistency(m, n, mth(leaves.slice(0, m)), mth(leaves), proof)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('rejects an inclusion proof for a changed leaf, a wrong index, a shortened path or another root', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))), ([n, m]) => {
        const leaves = leavesOf(n);
        const source = grown(leaves);
        const root = mth(leaves);
        const proof = inclusionProof(source, m, n);
        expect(verifyInclusion(leafHash(Buffer.from('changed')), m, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaves[m], (m + 1) % n, n, proof, root)).toBe(false);
        // (The size is bound by the signed head, not by the path: some paths fit two sizes alike.)
        expect(verifyInclusion(leaves[m], m, n, proof.slice(1), root)).toBe(false);
        expect(verifyInclusion(leaves[m], m, n, proof, mth(leavesOf(n, 1)))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects consistency between a log and one whose earlier part changed (a rewrite or a fork)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 150 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n - 1 }))).chain(([n, m]) => fc.tuple(fc.constant(n), fc.constant(m), fc.integer({ min: 0, max: m - 1 }))),
        ([n, m, changed]) => {
          const before = leavesOf(n);
          const after = [...before];
          after[changed] = leafHash(Buffer.from('rewritten'));
          const proof = consistencyProof(grown(after), m, n);
          // The old head's root against the rewritten log's proof and root.
          expect(verifyConsistency(m, n, mth(before.slice(0, m)), mth(after), proof)).toBe(false);
          // The honest proof does not fit the rewritten log's root either.
          expect(verifyConsistency(m, n, mth(before.slice(0, m)), mth(after), consistencyProof(grown(before), m, n))).toBe(false);
          // A smaller tree than the head's is never "consistent" with it.
          expect(verifyConsistency(n, m, mth(before), mth(before.slice(0, m)), [])).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hashes leaves and nodes with the RFC prefixes', () => {
    const a = Buffer.from('a');
    expect(leafHash(a).equals(sha(Buffer.from([0]), a))).toBe(true);
    expect(nodeHash(a, a).equals(sha(Buffer.from([1]), a, a))).toBe(true);
  });
});
