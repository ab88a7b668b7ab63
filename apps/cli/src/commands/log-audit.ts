import { existsSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import {
  ChainVerifier,
  formatPosition,
  leafHashOf,
  SealChecker,
  TreeFile,
  TreeFrontier,
  verifyConsistency,
  verifyTreeHead,
  type EventStore,
  type RecordedEvent,
  type SignedTreeHead,
  type StoredLeaf,
} from '@app/event-store';
import { leafOf } from '../../../api/src/audit/log-tree';
import type { AuditSealKey } from './audit-keys';

/** One thing found wrong, named: `kind` is the first word of its line. */
export interface Finding {
  readonly kind: 'UNSIGNED-HEAD' | 'TRUNCATED' | 'REWRITTEN' | 'UNSIGNED' | 'BROKEN' | 'GAP' | 'TREE-DIFFERS' | 'NO-TREE' | 'UNSEALED' | 'FORGED';
  readonly message: string;
}

export interface LogAudit {
  readonly ok: boolean;
  readonly events: number;
  readonly savedHead: { treeSize: number; rootHash: string };
  readonly findings: Finding[];
  /** What was not checked, and why (not a finding: the log may be fine). */
  readonly notes: string[];
  /** With seals checked: the log index of the first sealed event, from which on every event must be sealed (undefined: none is). */
  readonly sealedFrom?: number;
}

/**
 * Whether a head signed while verify ran covers the events read: when it is larger, tree.db's
 * nodes prove the log read is its prefix (RFC 9162 consistency); when smaller, the leaves read
 * after the last head give its root.
 */
function signedOver(
  tree: TreeFile,
  frontier: TreeFrontier,
  after: ReadonlyArray<{ leaf: Buffer }>,
  atApiHead: TreeFrontier,
  firstAfter: number,
  head: SignedTreeHead,
): boolean {
  if (head.treeSize >= frontier.size) {
    try {
      return verifyConsistency(frontier.size, head.treeSize, frontier.root(), Buffer.from(head.rootHash, 'hex'), tree.consistencyProof(frontier.size, head.treeSize));
    } catch {
      return false;
    }
  }
  if (after.length < head.treeSize - firstAfter) return false;
  const grown = atApiHead.copy();
  for (const { leaf } of after.slice(0, head.treeSize - firstAfter)) grown.append(leaf);
  return grown.root().toString('hex') === head.rootHash;
}

const describe = (event: { stream: string; revision: number; position: string }) => `${event.stream} revision ${event.revision} at position ${event.position}`;
const describeEvent = (event: RecordedEvent) => describe({ ...event, position: formatPosition(event.position) });

/**
 * `verify --since head.json`: the whole log read once, in order. The log must extend the saved
 * head (its first treeSize events give the head's root), every event must be covered by the
 * latest head the API signed (tree.db), every chain must hold, every leaf must match the tree the
 * API keeps, and on SQLite positions must run 0, 1, 2, ... without a gap. With the seal key, from
 * the first sealed event on every event must carry its valid seal (see `SealChecker`).
 */
export async function auditLogSince(options: {
  store: EventStore;
  treePath: string;
  publicKey: KeyObject;
  saved: unknown;
  densePositions: boolean;
  progress?: (events: number) => void;
  /** How long to wait for the running API to sign the newest events (it signs within about a second). */
  signWaitMs?: number;
  /** The key event seals are checked with; without it (or skipped) seals are not checked, and a note says so. */
  seal?: AuditSealKey;
}): Promise<LogAudit> {
  const { store, publicKey, saved } = options;
  const findings: Finding[] = [];
  const notes: string[] = [];
  const savedHead = saved as SignedTreeHead;
  if (!verifyTreeHead(publicKey, saved)) {
    findings.push({ kind: 'UNSIGNED-HEAD', message: 'the saved head is not a tree head signed by this log\'s key: nothing can be checked against it' });
    return { ok: false, events: 0, savedHead: { treeSize: Number(savedHead?.treeSize), rootHash: String(savedHead?.rootHash) }, findings, notes };
  }
  const seals = options.seal && 'key' in options.seal ? new SealChecker(options.seal.key) : undefined;
  if (!seals) notes.push(options.seal && 'skipped' in options.seal ? options.seal.skipped : 'event seals not checked: no seal key given');
  const tree = existsSync(options.treePath) ? TreeFile.openReadOnly(options.treePath) : undefined;
  try {
    const signed = tree?.latestHead();
    let apiHead = signed && verifyTreeHead(publicKey, signed) ? signed : undefined;
    if (!apiHead) findings.push({ kind: 'NO-TREE', message: `${options.treePath} holds no head signed by this log's key: events after the saved head cannot be vouched for` });
    const frontier = TreeFrontier.empty();
    const chains = new ChainVerifier();
    let treeLeaves: StoredLeaf[] = [];
    let treeFrom = 0;
    let firstDifference: { index: number; event: RecordedEvent; stored: StoredLeaf | undefined } | undefined;
    let firstUnsigned: RecordedEvent | undefined;
    let rootAtSaved: string | undefined = savedHead.treeSize === 0 ? frontier.root().toString('hex') : undefined;
    let rootAtApi: string | undefined = apiHead?.treeSize === 0 ? frontier.root().toString('hex') : undefined;
    let gaps = 0;
    // The tree at the API's latest head and the leaves after it, to judge a head signed meanwhile.
    let atApiHead = apiHead?.treeSize === 0 ? frontier.copy() : undefined;
    const after: Array<{ leaf: Buffer; event: RecordedEvent }> = [];
    for await (const event of store.readAll()) {
      const index = frontier.size;
      chains.check(event);
      seals?.check(event);
      if (options.densePositions && event.position.commit !== BigInt(index + gaps)) {
        const missing = Number(event.position.commit) - (index + gaps);
        if (missing > 0) findings.push({ kind: 'GAP', message: `positions ${index + gaps} to ${index + gaps + missing - 1} are missing before ${describeEvent(event)}: events were deleted` });
        gaps += missing;
      }
      const leaf = leafHashOf(leafOf(event));
      if (tree && index >= treeFrom + treeLeaves.length) {
        treeFrom = index;
        treeLeaves = tree.leaves(index, 1000);
      }
      const stored = tree ? treeLeaves[index - treeFrom] : undefined;
      if (!firstDifference && stored && !stored.hash.equals(leaf)) firstDifference = { index, event, stored };
      if (apiHead && index >= apiHead.treeSize && !firstUnsigned) firstUnsigned = event;
      if (apiHead && index >= apiHead.treeSize && after.length < 100_000) after.push({ leaf, event });
      frontier.append(leaf);
      if (frontier.size === apiHead?.treeSize) atApiHead = frontier.copy();
      if (frontier.size === savedHead.treeSize) rootAtSaved = frontier.root().toString('hex');
      if (frontier.size === apiHead?.treeSize) rootAtApi = frontier.root().toString('hex');
      if (frontier.size % 100_000 === 0) options.progress?.(frontier.size);
    }
    const events = frontier.size;
    // A running API signs what it has just committed within about a second: wait for such a head
    // and check that the events read here are (a prefix of) the tree it signed.
    if (apiHead && tree && events > apiHead.treeSize && atApiHead) {
      const firstAfter = apiHead.treeSize;
      const deadline = Date.now() + (options.signWaitMs ?? 3000);
      while (Date.now() < deadline && apiHead.treeSize < events) {
        await new Promise((done) => setTimeout(done, 200));
        const newer = tree.latestHead();
        if (!newer || newer.treeSize <= apiHead.treeSize || !verifyTreeHead(publicKey, newer)) continue;
        if (!signedOver(tree, frontier, after, atApiHead, firstAfter, newer)) break;
        apiHead = newer;
        rootAtApi = undefined;
      }
      firstUnsigned = apiHead.treeSize < events ? (after[apiHead.treeSize - firstAfter]?.event ?? firstUnsigned) : undefined;
      if (apiHead.treeSize !== firstAfter) rootAtApi = apiHead.rootHash;
    }
    const where = firstDifference
      ? `; the first event that differs from the tree the API signed is event ${firstDifference.index}: the log has ${describeEvent(firstDifference.event)}` +
        (firstDifference.stored ? `, the tree has ${describe(firstDifference.stored)}` : '')
      : '';
    if (events < savedHead.treeSize) {
      findings.unshift({ kind: 'TRUNCATED', message: `the log has ${events} events, fewer than the ${savedHead.treeSize} of the saved head: events were removed${where}` });
    } else if (rootAtSaved !== savedHead.rootHash) {
      findings.unshift({ kind: 'REWRITTEN', message: `the log's first ${savedHead.treeSize} events do not give the saved head's root: the log was rewritten or forked since${where}` });
    } else if (firstDifference) {
      findings.push({ kind: 'TREE-DIFFERS', message: `the log and the tree the API keeps differ after the saved head${where}` });
    }
    if (apiHead && events < apiHead.treeSize && !findings.some((f) => f.kind === 'TRUNCATED')) {
      findings.unshift({ kind: 'TRUNCATED', message: `the log has ${events} events, fewer than the ${apiHead.treeSize} of the latest head the API signed: events were removed${where}` });
    }
    if (apiHead && events > apiHead.treeSize && firstUnsigned) {
      findings.push({
        kind: 'UNSIGNED',
        message: `events ${apiHead.treeSize} to ${events - 1} (the first: ${describeEvent(firstUnsigned)}) are in no head the API signed: they were written to the store outside the API (or just before a crash: then start the API once and verify again)`,
      });
    } else if (apiHead && events >= apiHead.treeSize && rootAtApi !== apiHead.rootHash && !findings.some((f) => f.kind === 'REWRITTEN' || f.kind === 'TRUNCATED')) {
      findings.push({ kind: 'REWRITTEN', message: `the log's first ${apiHead.treeSize} events do not give the root of the latest head the API signed${where}` });
    }
    const unsealed = seals?.firstProblem;
    if (unsealed?.kind === 'UNSEALED') {
      findings.push({ kind: 'UNSEALED', message: `${describeEvent(unsealed.event)} carries no seal, though an event before it does: it was written to the store outside the API` });
    } else if (unsealed?.kind === 'FORGED') {
      findings.push({ kind: 'FORGED', message: `${describeEvent(unsealed.event)} carries a seal that is not the one the audit key gives its hash: it was written or altered outside the API` });
    }
    for (const broken of chains.broken) findings.push({ kind: 'BROKEN', message: `${broken.stream} revision ${broken.revision}: ${broken.reason}` });
    if (seals && seals.firstSealed === undefined && events > 0) {
      notes.push('no event carries a seal: the log was written before seals existed, or its seals were stripped (see "Tamper evidence")');
    }
    const sealedFrom = seals?.firstSealed;
    return { ok: findings.length === 0, events, savedHead: { treeSize: savedHead.treeSize, rootHash: savedHead.rootHash }, findings, notes, sealedFrom };
  } finally {
    tree?.close();
  }
}
