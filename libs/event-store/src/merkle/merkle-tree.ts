import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: a leaf hashes as
 * SHA-256(0x00 || leaf data), an inner node as SHA-256(0x01 || left || right), the tree over n
 * leaves splits at the largest power of two below n, and the empty tree's hash is SHA-256 of
 * nothing. Proofs and their verifiers follow the RFC's algorithms.
 *
 * A node is named by (level, index): level 0 holds the leaves; node (l, i) is the complete
 * subtree over leaves i·2^l to (i+1)·2^l - 1. Only complete subtrees are stored; any other
 * range is worked out from O(log n) of them.
 */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

export function leafHash(leafData: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leafData).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

/** Where proofs read complete subtrees from: the hash of node (level, index), which must exist. */
export interface NodeSource {
  node(level: number, index: number): Buffer;
}

/** The largest power of two smaller than n (n >= 2). */
function splitOf(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}

/** MTH(D[start:end]): one read when the range is a complete, aligned subtree; O(log n) otherwise. */
export function rangeHash(source: NodeSource, start: number, end: number): Buffer {
  const size = end - start;
  if (size <= 0) return EMPTY_ROOT;
  if (isPowerOfTwo(size) && start % size === 0) {
    const level = Math.log2(size);
    return source.node(level, start / size);
  }
  const k = splitOf(size);
  return nodeHash(rangeHash(source, start, start + k), rangeHash(source, start + k, end));
}

/** The root hash of the tree over the first `size` leaves. */
export function rootHash(source: NodeSource, size: number): Buffer {
  return rangeHash(source, 0, size);
}

/** PATH(m, D[0:n]) of RFC 9162 2.1.3.1: the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(source: NodeSource, index: number, size: number): Buffer[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path = (m: number, start: number, end: number): Buffer[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitOf(n);
    return m < k
      ? [...path(m, start, start + k), rangeHash(source, start + k, end)]
      : [...path(m - k, start + k, end), rangeHash(source, start, start + k)];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[0:n]) of RFC 9162 2.1.4.1: that the tree of `from` leaves is a prefix of the tree of `to`. */
export function consistencyProof(source: NodeSource, from: number, to: number): Buffer[] {
  if (!(from >= 0 && from <= to)) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  if (from === 0 || from === to) return [];
  const subproof = (m: number, start: number, end: number, complete: boolean): Buffer[] => {
    const n = end - start;
    if (m === n) return complete ? [] : [rangeHash(source, start, end)];
    const k = splitOf(n);
    return m <= k
      ? [...subproof(m, start, start + k, complete), rangeHash(source, start + k, end)]
      : [...subproof(m - k, start + k, end, false), rangeHash(source, start, start + k)];
  };
  return subproof(from, 0, to, true);
}

/** RFC 9162 2.1.3.2: whether `path` proves leaf `index` (hashed) in the tree of `size` with `root`. */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(Buffer.from(root));
}

/** RFC 9162 2.1.4.2: whether `proof` shows the tree of `from` leaves (`fromRoot`) is a prefix of the tree of `to` (`toRoot`). */
export function verifyConsistency(from: number, to: number, fromRoot: Uint8Array, toRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && from <= to)) return false;
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
  if (from === 0) return proof.length === 0 && same(fromRoot, EMPTY_ROOT);
  if (from === to) return proof.length === 0 && same(fromRoot, toRoot);
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = from - 1;
  let sn = to - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0];
  let sr: Uint8Array = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(fr, fromRoot) && same(sr, toRoot);
}

/** A complete subtree the frontier has just finished: what a store of the tree keeps. */
export interface TreeNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Buffer;
}

/**
 * The right edge of the tree: the roots of its complete subtrees, one per set bit of its size.
 * Appending a leaf finishes that leaf and every subtree it completes (on average one more node
 * per leaf), without reading anything; the root of the tree at its size comes from the edge.
 */
export class TreeFrontier {
  private readonly edge: (Buffer | undefined)[] = [];

  private constructor(private count: number) {}

  static empty(): TreeFrontier {
    return new TreeFrontier(0);
  }

  /** The edge of the tree of `size` leaves, read from stored nodes (one per set bit of size). */
  static at(source: NodeSource, size: number): TreeFrontier {
    const frontier = new TreeFrontier(size);
    let start = 0;
    for (let level = Math.floor(Math.log2(Math.max(size, 1))) + 1; level >= 0; level--) {
      const width = 2 ** level;
      if (Math.floor(size / width) % 2 === 1) {
        frontier.edge[level] = source.node(level, start / width);
        start += width;
      }
    }
    return frontier;
  }

  get size(): number {
    return this.count;
  }

  /** A frontier that grows on its own from this one's state. */
  copy(): TreeFrontier {
    const copy = new TreeFrontier(this.count);
    copy.edge.push(...this.edge);
    return copy;
  }

  /** Adds a leaf hash; returns the nodes it finished, the leaf first. */
  append(leaf: Buffer): TreeNode[] {
    const finished: TreeNode[] = [{ level: 0, index: this.count, hash: leaf }];
    let hash = leaf;
    let level = 0;
    let index = this.count;
    while (index % 2 === 1) {
      hash = nodeHash(this.edge[level]!, hash);
      this.edge[level] = undefined;
      level += 1;
      index = (index - 1) / 2;
      finished.push({ level, index, hash });
    }
    this.edge[level] = hash;
    this.count += 1;
    return finished;
  }

  root(): Buffer {
    let root: Buffer | undefined;
    for (let level = 0; level < this.edge.length; level++) {
      const hash = this.edge[level];
      if (hash) root = root === undefined ? hash : nodeHash(hash, root);
    }
    return root ?? EMPTY_ROOT;
  }
}
