import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** What a signed tree head says: the log had `treeSize` events, their tree's root was `rootHash`. */
export interface TreeHead {
  readonly treeSize: number;
  /** The RFC 9162 root of the tree over the first `treeSize` events, lower-case hex. */
  readonly rootHash: string;
  /** When the head was signed (ISO 8601). */
  readonly timestamp: string;
  /** SHA-256 (hex) of the signing key's public key in DER (SubjectPublicKeyInfo): which log signed. */
  readonly logId: string;
}

export interface SignedTreeHead extends TreeHead {
  /** Ed25519 over `treeHeadMessage(head)`, base64. */
  readonly signature: string;
}

/**
 * The bytes a tree head's signature covers, a fixed text a third party can rebuild:
 * `ticket-log-tree-head:v1`, then logId, treeSize (decimal), rootHash and timestamp, each on a
 * line of its own (separated by "\n", no newline at the end), UTF-8.
 */
export function treeHeadMessage(head: TreeHead): Buffer {
  return Buffer.from(['ticket-log-tree-head:v1', head.logId, String(head.treeSize), head.rootHash, head.timestamp].join('\n'), 'utf8');
}

export function logIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function signTreeHead(privateKey: KeyObject, head: Omit<TreeHead, 'logId'>): SignedTreeHead {
  const full: TreeHead = { treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp, logId: logIdOf(createPublicKey(privateKey)) };
  return { ...full, signature: sign(null, treeHeadMessage(full), privateKey).toString('base64') };
}

/** Whether `head` is well formed and signed by `publicKey`, and names that key as its log. */
export function verifyTreeHead(publicKey: KeyObject, head: unknown): head is SignedTreeHead {
  const candidate = head as Partial<SignedTreeHead> | null;
  if (typeof candidate !== 'object' || candidate === null) return false;
  const { treeSize, rootHash, timestamp, logId, signature } = candidate;
  if (!Number.isSafeInteger(treeSize) || (treeSize as number) < 0) return false;
  if (typeof rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(rootHash) || typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (logId !== logIdOf(publicKey)) return false;
  return verify(null, treeHeadMessage({ treeSize: treeSize as number, rootHash, timestamp, logId }), publicKey, Buffer.from(signature, 'base64'));
}
