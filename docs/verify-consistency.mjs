// Did the log only grow? node verify-consistency.mjs old-head.json new-head.json proof.json public-key.pem
// proof.json: the answer of GET /v1/audit/proofs/consistency?from=<old treeSize>&to=<new treeSize>.
// Needs Node 18+ and nothing else. Exit 0: it only grew; exit 1: it did not (or a file is wrong).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [oldFile, newFile, proofFile, keyFile] = process.argv.slice(2);
const read = (file) => JSON.parse(readFileSync(file, 'utf8'));
const [oldHead, newHead, answer] = [read(oldFile), read(newFile), read(proofFile)];
const key = createPublicKey(readFileSync(keyFile, 'utf8'));
const sha = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const node = (left, right) => sha(Buffer.from([1]), left, right);
const logId = sha(key.export({ type: 'spki', format: 'der' })).toString('hex');

function signed(head) {
  const text = ['ticket-log-tree-head:v1', head.logId, String(head.treeSize), head.rootHash, head.timestamp].join('\n');
  return head.logId === logId && verify(null, Buffer.from(text), key, Buffer.from(head.signature, 'base64'));
}

// RFC 9162, 2.1.4.2.
function consistent(m, n, oldRoot, newRoot, proof) {
  if (m === n) return proof.length === 0 && oldRoot.equals(newRoot);
  if (m === 0) return proof.length === 0 && oldRoot.equals(sha());
  if (m > n) return false;
  const path = (m & (m - 1)) === 0 ? [oldRoot, ...proof] : proof;
  if (path.length === 0) return false;
  let fn = m - 1, sn = n - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = node(c, fr); sr = node(c, sr);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else sr = node(sr, c);
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(oldRoot) && sr.equals(newRoot);
}

const fail = (why) => { console.log(`NOT PROVEN: ${why}`); process.exit(1); };
if (!signed(oldHead)) fail(`${oldFile} is not signed by this key`);
if (!signed(newHead)) fail(`${newFile} is not signed by this key`);
if (answer.from !== oldHead.treeSize || answer.to !== newHead.treeSize) fail('the proof is for other sizes');
const hex = (text) => Buffer.from(text, 'hex');
if (!consistent(oldHead.treeSize, newHead.treeSize, hex(oldHead.rootHash), hex(newHead.rootHash), answer.proof.map(hex))) {
  fail(`the log of ${newHead.treeSize} events does not extend the log of ${oldHead.treeSize}`);
}
console.log(`OK: the log only grew, from ${oldHead.treeSize} to ${newHead.treeSize} events`);
