import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { comparePositions, formatPosition, parsePosition, type Position } from '../position';
import { leafHashOf, type LeafEvent } from './leaf-data';
import { consistencyProof, inclusionProof, rootHash, TreeFrontier, type NodeSource } from './merkle-tree';
import type { SignedTreeHead } from './tree-head';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS leaves (
  idx      INTEGER PRIMARY KEY,
  position TEXT    NOT NULL,
  stream   TEXT    NOT NULL,
  revision INTEGER NOT NULL,
  hash     BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB    NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS latest_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  head TEXT    NOT NULL
);
`;

/** A leaf as the tree keeps it: where its event is, and its hash. */
export interface StoredLeaf {
  readonly index: number;
  readonly position: string;
  readonly stream: string;
  readonly revision: number;
  readonly hash: Buffer;
}

/** Thrown when a node the tree should hold is missing: the file was damaged or edited. */
export class TreeNodeMissing extends Error {}

/**
 * The Merkle tree of the log in a SQLite file of its own (`tree.db`): one row per leaf (with the
 * event it stands for), one per complete inner subtree by (level, index), and the latest signed
 * head. A root or a proof for any size reads O(log n) rows. The file holds nothing the log does
 * not: deleted, it is built again from the log.
 */
export class TreeFile implements NodeSource {
  private readonly db: Database.Database;
  private frontier: TreeFrontier;
  private readonly leafStmt: Database.Statement<[number], { position: string; stream: string; revision: number; hash: Buffer }>;
  private readonly nodeStmt: Database.Statement<[number, number], { hash: Buffer }>;
  private readonly appendTx: (events: readonly LeafEvent[]) => void;

  private constructor(path: string, readonly: boolean) {
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { readonly, fileMustExist: readonly });
    if (!readonly) {
      this.db.pragma('journal_mode = WAL');
      // Losing the last commits of this file loses nothing: the follower takes them from the log again.
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
    }
    this.db.pragma('busy_timeout = 5000');
    this.leafStmt = this.db.prepare('SELECT position, stream, revision, hash FROM leaves WHERE idx = ?');
    this.nodeStmt = this.db.prepare('SELECT hash FROM nodes WHERE level = ? AND idx = ?');
    const size = (this.db.prepare('SELECT coalesce(max(idx), -1) + 1 AS size FROM leaves').get() as { size: number }).size;
    this.frontier = TreeFrontier.at(this, size);
    if (readonly) {
      this.appendTx = () => {
        throw new Error('the tree file is open read-only');
      };
      return;
    }
    const insertLeaf = this.db.prepare('INSERT INTO leaves (idx, position, stream, revision, hash) VALUES (?, ?, ?, ?, ?)');
    const insertNode = this.db.prepare('INSERT OR REPLACE INTO nodes (level, idx, hash) VALUES (?, ?, ?)');
    const sizeStmt = this.db.prepare<[], { size: number }>('SELECT coalesce(max(idx), -1) + 1 AS size FROM leaves');
    this.appendTx = this.db.transaction((events: readonly LeafEvent[]) => {
      // Another process on the same DATA_DIR may have added some of these events already.
      const size = sizeStmt.get()!.size;
      const frontier = TreeFrontier.at(this, size);
      const last = size === 0 ? undefined : parsePosition(this.leafStmt.get(size - 1)!.position);
      for (const event of events) {
        if (last && comparePositions(event.position, last) <= 0) continue;
        const index = frontier.size;
        for (const node of frontier.append(leafHashOf(event))) {
          if (node.level === 0) insertLeaf.run(index, formatPosition(event.position), event.stream, event.revision, node.hash);
          else insertNode.run(node.level, node.index, node.hash);
        }
      }
      this.pending = frontier;
    });
  }

  private pending: TreeFrontier | undefined;

  static open(path: string): TreeFile {
    return new TreeFile(path, false);
  }

  /** For readers beside the writer (the CLI): the file must exist. */
  static openReadOnly(path: string): TreeFile {
    return new TreeFile(path, true);
  }

  /** How many leaves the tree has. */
  get size(): number {
    return this.frontier.size;
  }

  /** The root of the whole tree as it stands. */
  get root(): Buffer {
    return this.frontier.root();
  }

  /** Adds events in log order, all or none. */
  append(events: readonly LeafEvent[]): void {
    if (events.length === 0) return;
    this.pending = undefined;
    this.appendTx(events);
    if (this.pending) this.frontier = this.pending;
  }

  node(level: number, index: number): Buffer {
    const hash = level === 0 ? this.leafStmt.get(index)?.hash : this.nodeStmt.get(level, index)?.hash;
    if (!hash) throw new TreeNodeMissing(`the tree file has no node at level ${level}, index ${index}`);
    return hash;
  }

  leaf(index: number): StoredLeaf | undefined {
    const row = this.leafStmt.get(index);
    return row && { index, ...row };
  }

  /** The position of the last event in the tree, or undefined for an empty tree. */
  lastPosition(): Position | undefined {
    const leaf = this.size === 0 ? undefined : this.leafStmt.get(this.size - 1);
    return leaf && parsePosition(leaf.position);
  }

  /**
   * The leaf of the event at `position`: positions grow with the leaf index, so a binary search
   * finds it in O(log n) reads, and the tree needs no index besides its leaf numbers.
   */
  leafAt(position: Position): StoredLeaf | undefined {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = Math.floor((low + high) / 2);
      const leaf = this.leaf(middle)!;
      const order = comparePositions(parsePosition(leaf.position)!, position);
      if (order === 0) return leaf;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /** The leaves from `from` on, in order, `limit` at most. */
  leaves(from: number, limit: number): StoredLeaf[] {
    const rows = this.db.prepare('SELECT idx, position, stream, revision, hash FROM leaves WHERE idx >= ? ORDER BY idx LIMIT ?').all(from, limit) as Array<{
      idx: number;
      position: string;
      stream: string;
      revision: number;
      hash: Buffer;
    }>;
    return rows.map((row) => ({ index: row.idx, position: row.position, stream: row.stream, revision: row.revision, hash: row.hash }));
  }

  rootAt(size: number): Buffer {
    return size === this.size ? this.root : rootHash(this, size);
  }

  inclusionProof(index: number, size: number): Buffer[] {
    return inclusionProof(this, index, size);
  }

  consistencyProof(from: number, to: number): Buffer[] {
    return consistencyProof(this, from, to);
  }

  latestHead(): SignedTreeHead | undefined {
    const row = this.db.prepare('SELECT head FROM latest_head WHERE id = 1').get() as { head: string } | undefined;
    return row ? (JSON.parse(row.head) as SignedTreeHead) : undefined;
  }

  saveHead(head: SignedTreeHead): void {
    this.db.prepare('INSERT INTO latest_head (id, head) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET head = excluded.head').run(JSON.stringify(head));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
