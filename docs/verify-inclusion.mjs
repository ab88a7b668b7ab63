// Is this event in the log? node verify-inclusion.mjs proof.json public-key.pem
// proof.json: the answer of GET /v1/audit/proofs/inclusion?stream=...&revision=... (or one of `prove`'s proofs
// with its treeHead). Needs Node 18+ and nothing else. Exit 0: proven; exit 1: not.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [proofFile, keyFile] = process.argv.slice(2);
const answer = JSON.parse(readFileSync(proofFile, 'utf8'));
const key = createPublicKey(readFileSync(keyFile, 'utf8'));
const sha = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const node = (left, right) => sha(Buffer.from([1]), left, right);
const head = answer.treeHead;

const text = ['ticket-log-tree-head:v1', head.logId, String(head.treeSize), head.rootHash, head.timestamp].join('\n');
const logId = sha(key.export({ type: 'spki', format: 'der' })).toString('hex');
const headSigned = head.logId === logId && verify(null, Buffer.from(text), key, Buffer.from(head.signature, 'base64'));

// The leaf data: stream, revision, position, chain hash and seal, each as a 4-byte big-endian length and UTF-8 text.
const { stream, revision, position, hash, seal } = answer.leaf;
const fields = [stream, String(revision), String(position), hash ?? '', seal ?? ''].map((field) => Buffer.from(field, 'utf8'));
const leafData = Buffer.concat(fields.flatMap((field) => [Buffer.from([0, 0, 0, 0].map((_, i) => (field.length >>> (24 - 8 * i)) & 255)), field]));
const leaf = sha(Buffer.from([0]), leafData);

// RFC 9162, 2.1.3.2.
function included(index, size, path, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else r = node(r, p);
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

const hex = (value) => Buffer.from(value, 'hex');
if (!headSigned) { console.log('NOT PROVEN: the tree head is not signed by this key'); process.exit(1); }
if (!included(answer.leafIndex, head.treeSize, answer.auditPath.map(hex), hex(head.rootHash))) {
  console.log(`NOT PROVEN: ${stream} revision ${revision} is not event ${answer.leafIndex} of the signed log of ${head.treeSize}`);
  process.exit(1);
}
console.log(`OK: ${stream} revision ${revision} (chain hash ${hash}) is event ${answer.leafIndex} of the signed log of ${head.treeSize} events`);
