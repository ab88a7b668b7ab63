import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import {
  chainHashOf,
  sealOf,
  comparePositions,
  followsPages,
  leafHashOf,
  parsePosition,
  readStreamOrEmpty,
  signTreeHead,
  TreeFile,
  verifyTreeHead,
  type EventStore,
  type LeafEvent,
  type RecordedEvent,
  type SignedTreeHead,
} from '@app/event-store';
import { problem, ProblemError } from '../http/problem';
import type { AuditSigningKey } from './signing-key';

const hex = (hashes: readonly Buffer[]) => hashes.map((hash) => hash.toString('hex'));

/** Events the follower takes from the log at a time while it catches up. */
const PAGE_SIZE = 1000;
/**
 * How long a new part of the tree waits at most for a signed head. A head is also signed when
 * one is asked for and when the API stops; this bounds what a crash leaves unsigned.
 */
const SIGN_EVERY_MS = 1000;
/**
 * How long commits gather before the tree takes them in one transaction of tree.db: under load
 * one write per this many milliseconds instead of one per group commit. A head asked for takes
 * what has gathered first.
 */
const GATHER_MS = 20;
/** Gathered events past which they are written at once (a catch-up after a restart). */
const GATHER_MAX = 5000;

export function leafOf(event: RecordedEvent): LeafEvent {
  return { stream: event.stream, revision: event.revision, position: event.position, hash: chainHashOf(event.metadata), seal: sealOf(event.metadata) };
}

/** Start-up stops with this when the log no longer holds what the tree says it held. */
export class LogShorterThanTree extends Error {}

/**
 * The Merkle tree of the log, kept in tree.db by a follower of the log on the request thread (it
 * takes each commit as a page, hashes it and writes it in one transaction, letting requests run
 * between pages), and the heads it signs.
 */
export class LogTree implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LogTree');
  private following: Promise<void> | undefined;
  private close: (() => Promise<void>) | undefined;
  private signTimer: NodeJS.Timeout | undefined;
  private gatherTimer: NodeJS.Timeout | undefined;
  private gathered: LeafEvent[] = [];
  private stopped = false;

  private constructor(
    private readonly store: EventStore,
    readonly tree: TreeFile,
    readonly key: AuditSigningKey,
  ) {}

  /**
   * Opens the tree and checks it against the log: the last event the tree holds (which a signed
   * head may cover) must still be in the log as it was. Otherwise start-up stops (LogShorterThanTree).
   */
  static async open(store: EventStore, treePath: string, key: AuditSigningKey): Promise<LogTree> {
    const tree = TreeFile.open(treePath);
    try {
      const latest = tree.latestHead();
      if (latest && !verifyTreeHead(key.publicKey, latest)) {
        throw new LogShorterThanTree(`${treePath} holds a head not signed by the audit key ${key.path}: the key was replaced; move the tree file aside to start a new tree`);
      }
      const size = Math.max(tree.size, latest?.treeSize ?? 0);
      if (size > tree.size) {
        throw new LogShorterThanTree(`${treePath} signed ${size} events but holds ${tree.size}: the tree file was damaged or replaced`);
      }
      if (size > 0) await LogTree.checkLast(store, tree, size);
      return new LogTree(store, tree, key);
    } catch (error) {
      tree.close();
      throw error;
    }
  }

  private static async checkLast(store: EventStore, tree: TreeFile, size: number): Promise<void> {
    const leaf = tree.leaf(size - 1)!;
    const at = parsePosition(leaf.position)!;
    let found: RecordedEvent | undefined;
    for await (const event of store.readAll({ fromPosition: at, maxCount: 1 })) found = event;
    if (!found || comparePositions(found.position, at) !== 0 || !leafHashOf(leafOf(found)).equals(leaf.hash)) {
      const what = found && comparePositions(found.position, at) === 0 ? `a different event (${found.stream} revision ${found.revision})` : 'no event';
      throw new LogShorterThanTree(
        `the event log is shorter than the Merkle tree this API has signed: the tree's event ${size - 1} (${leaf.stream} revision ${leaf.revision}, position ${leaf.position}) is ${what} in the log; ` +
          'the log was truncated or rewritten. Restore it from a backup (restore moves the tree aside), or move tree.db aside to sign a new tree over the log as it is',
      );
    }
  }

  onApplicationBootstrap(): void {
    // The path only: the key never goes to the log.
    this.logger.log(`${this.key.created ? 'created' : 'using'} audit signing key ${this.key.path} (log id ${this.key.logId})`);
    this.following = this.follow().catch((error: unknown) => {
      if (!this.stopped) this.logger.error(`the Merkle tree stopped following the log: ${(error as Error).message}`);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.signTimer);
    await this.close?.();
    await this.following;
    clearTimeout(this.gatherTimer);
    try {
      this.writeGathered();
      this.currentHead();
    } finally {
      this.tree.close();
    }
  }

  /** The latest signed head, signed now when the tree has grown since the last one. */
  currentHead(): SignedTreeHead {
    this.writeGathered();
    const latest = this.tree.latestHead();
    if (latest && latest.treeSize === this.tree.size) return latest;
    const head = signTreeHead(this.key.privateKey, { treeSize: this.tree.size, rootHash: this.tree.root.toString('hex'), timestamp: new Date().toISOString() });
    this.tree.saveHead(head);
    return head;
  }

  /** A head for an earlier size, signed now (it is not kept); 404 beyond the tree. */
  headAt(treeSize: number): SignedTreeHead {
    this.writeGathered();
    this.assertWithin(treeSize, 'treeSize');
    if (treeSize === this.tree.size) return this.currentHead();
    return signTreeHead(this.key.privateKey, { treeSize, rootHash: this.tree.rootAt(treeSize).toString('hex'), timestamp: new Date().toISOString() });
  }

  /** An event's leaf, its audit path in the tree of `treeSize` (the latest when undefined) and that tree's head. */
  async inclusion(stream: string, revision: number, treeSize?: number) {
    const head = treeSize === undefined ? this.currentHead() : this.headAt(treeSize);
    const [event] = await readStreamOrEmpty(this.store, stream, { fromRevision: revision, maxCount: 1 });
    const leaf = event?.revision === revision ? this.tree.leafAt(event.position) : undefined;
    if (!leaf || leaf.index >= head.treeSize || leaf.stream !== stream || leaf.revision !== revision) {
      const where = !event || event.revision !== revision ? 'the log holds no such event' : leaf ? `it is event ${leaf.index} of the log, after the first ${head.treeSize}` : 'the tree has not taken it in yet';
      throw new ProblemError(problem(404, 'EVENT_NOT_IN_TREE', `${stream} revision ${revision} is not in the tree of ${head.treeSize} events: ${where}`));
    }
    return {
      leafIndex: leaf.index,
      treeSize: head.treeSize,
      leaf: { stream, revision, position: leaf.position, hash: chainHashOf(event.metadata), seal: sealOf(event.metadata) },
      leafHash: leaf.hash.toString('hex'),
      auditPath: hex(this.tree.inclusionProof(leaf.index, head.treeSize)),
      treeHead: head,
    };
  }

  /** That the tree of `from` events is a prefix of the tree of `to` (the latest when undefined), with both heads. */
  consistency(from: number, to?: number) {
    const toHead = to === undefined ? this.currentHead() : this.headAt(to);
    if (from > toHead.treeSize) {
      throw new ProblemError(
        problem(400, 'VALIDATION_FAILED', `from (${from}) must not be larger than to (${toHead.treeSize})`, {
          errors: [{ field: 'from', message: 'must not be larger than to' }],
        }),
      );
    }
    const fromHead = this.headAt(from);
    return { from, to: toHead.treeSize, proof: hex(this.tree.consistencyProof(from, toHead.treeSize)), fromHead, toHead };
  }

  private assertWithin(treeSize: number, field: string): void {
    if (treeSize > this.tree.size) {
      throw new ProblemError(problem(404, 'TREE_SIZE_NOT_REACHED', `${field} ${treeSize} is beyond the tree, which has ${this.tree.size} events`));
    }
  }

  private async follow(): Promise<void> {
    const from = this.tree.lastPosition();
    if (followsPages(this.store)) {
      const pages = this.store.followPagesAfter(from, PAGE_SIZE);
      this.close = () => pages.close();
      for await (const page of pages) this.grow(page);
    } else {
      const events = this.store.subscribeToAll({ fromPosition: from });
      this.close = () => events.close();
      for await (const event of events) this.grow([event]);
    }
  }

  private grow(events: readonly RecordedEvent[]): void {
    if (this.stopped) return;
    for (const event of events) this.gathered.push(leafOf(event));
    if (this.gathered.length >= GATHER_MAX) this.writeGathered();
    else this.gatherTimer ??= setTimeout(() => this.inTimer(() => this.writeGathered()), GATHER_MS);
  }

  /** Writes what has gathered to the tree, in one transaction. */
  private writeGathered(): void {
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    if (this.gathered.length === 0) return;
    const events = this.gathered;
    this.gathered = [];
    try {
      this.tree.append(events);
    } catch (error) {
      // Kept in order for the next write: a leaf skipped would make every later root wrong.
      this.gathered = [...events, ...this.gathered];
      throw error;
    }
    this.signTimer ??= setTimeout(() => {
      this.signTimer = undefined;
      if (!this.stopped) this.inTimer(() => this.currentHead());
    }, SIGN_EVERY_MS);
  }

  /** A failure to write tree.db is logged, never thrown out of a timer (which would end the process). */
  private inTimer(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.logger.error(`the Merkle tree could not be written: ${(error as Error).message}`);
    }
  }
}
