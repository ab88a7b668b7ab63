/**
 * The proofs benchmark: a tree.db of 1,000,000 leaves (--quick: 100,000), built here by TreeFile
 * in pages of 1,000 as the API's follower builds it; then, each timed alone, 2,000 inclusion
 * proofs of random leaves in the whole tree and in random earlier trees, 2,000 consistency proofs
 * between random sizes and 2,000 roots of random earlier sizes (what a head for ?treeSize=N
 * needs). Target: p99 < 10 ms for each. Also reported: the build rate, as the follower's ceiling.
 * Usage: node dist/bench/tree-proofs.bench.js [--quick] [--json <file>]
 */
import { join } from 'node:path';
import { TreeFile, type LeafEvent } from '@app/event-store';
import { infoRow, limitRow, quantile, quickMode, runStandalone, tempDir, type BenchRow } from './bench-support';

const SAMPLES = 2000;

function leafEvent(i: number): LeafEvent {
  return { stream: `ticket-${(i % 50_000).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`, revision: Math.floor(i / 50_000), position: { commit: BigInt(i), prepare: BigInt(i) }, hash: (i * 2654435761).toString(16).padStart(64, '0'), seal: (i * 40503).toString(16).padStart(64, '0') };
}

function timed(samples: number, work: () => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return times;
}

export async function treeProofsBenchmark(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = options.quick ?? quickMode();
  const leaves = quick ? 100_000 : 1_000_000;
  const dir = tempDir('tree-proofs-');
  try {
    const path = join(dir.path, 'tree.db');
    const tree = TreeFile.open(path);
    const started = performance.now();
    for (let from = 0; from < leaves; from += 1000) tree.append(Array.from({ length: Math.min(1000, leaves - from) }, (_, i) => leafEvent(from + i)));
    const buildPerSecond = leaves / ((performance.now() - started) / 1000);
    tree.close();
    // A fresh connection, as a restarted API has: nothing of the tree in SQLite's page cache but what the proofs read.
    const reader = TreeFile.openReadOnly(path);
    const random = (below: number) => Math.floor(Math.random() * below);
    const size = reader.size;
    const inclusionLatest = timed(SAMPLES, () => reader.inclusionProof(random(size), size));
    const inclusionEarlier = timed(SAMPLES, () => {
      const at = 1 + random(size);
      reader.inclusionProof(random(at), at);
    });
    const consistency = timed(SAMPLES, () => {
      const to = 1 + random(size);
      reader.consistencyProof(1 + random(to), to);
    });
    const roots = timed(SAMPLES, () => reader.rootAt(1 + random(size)));
    reader.close();
    const label = `${leaves.toLocaleString('en')} leaves`;
    return [
      infoRow(`tree build (TreeFile.append, pages of 1,000), ${label}`, buildPerSecond, 'leaves/s'),
      limitRow(`inclusion proof p99, latest tree, ${label}`, quantile(inclusionLatest, 0.99), 'ms', { below: 10 }, quantile(inclusionLatest, 0.5)),
      limitRow(`inclusion proof p99, random earlier tree, ${label}`, quantile(inclusionEarlier, 0.99), 'ms', { below: 10 }, quantile(inclusionEarlier, 0.5)),
      limitRow(`consistency proof p99, random sizes, ${label}`, quantile(consistency, 0.99), 'ms', { below: 10 }, quantile(consistency, 0.5)),
      limitRow(`root of a random earlier size p99, ${label}`, quantile(roots, 0.99), 'ms', { below: 10 }, quantile(roots, 0.5)),
    ];
  } finally {
    dir.remove();
  }
}

if (require.main === module) runStandalone('Merkle tree proofs', () => treeProofsBenchmark());
