import { existsSync } from 'node:fs';
import { Command, CommandRunner } from 'nest-commander';
import { leafHashOf, readStreamOrEmpty, TreeFile, verifyInclusion, verifyTreeHead } from '@app/event-store';
import { leafOf } from '../../../api/src/audit/log-tree';
import { CliContext } from '../cli-context';
import { auditPublicKey } from './audit-keys';
import { streamOf } from './stream-name';

/**
 * Prints, as JSON, an inclusion proof for each event of a ticket against the latest signed head,
 * each checked here first: the event as stored gives the leaf, the leaf and path give the root.
 */
@Command({ name: 'prove', arguments: '<ticketId>', description: "print inclusion proofs for a ticket's events against the latest signed head" })
export class ProveCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run([ticketId]: string[]): Promise<void> {
    const path = this.context.config.auditTreePath;
    if (!existsSync(path)) throw new Error(`there is no Merkle tree at ${path}: the API builds it when it runs`);
    const stream = streamOf(ticketId);
    const events = await readStreamOrEmpty(await this.context.eventStore(), stream);
    if (events.length === 0) throw new Error(`${stream} has no events`);
    const tree = TreeFile.openReadOnly(path);
    try {
      const head = tree.latestHead();
      if (!head || !verifyTreeHead(auditPublicKey(this.context.config), head)) throw new Error(`${path} holds no head signed by the audit key`);
      const root = Buffer.from(head.rootHash, 'hex');
      const proofs = events.map((event) => {
        const leaf = tree.leafAt(event.position);
        if (!leaf || leaf.index >= head.treeSize || leaf.stream !== stream || leaf.revision !== event.revision) throw new Error(`${stream} revision ${event.revision} is not in the signed tree of ${head.treeSize} events yet`);
        const leafHash = leafHashOf(leafOf(event));
        const auditPath = tree.inclusionProof(leaf.index, head.treeSize);
        if (!verifyInclusion(leafHash, leaf.index, head.treeSize, auditPath, root)) {
          throw new Error(`${stream} revision ${event.revision} as stored is not the event the signed tree holds at ${leaf.index}: run verify`);
        }
        return {
          revision: event.revision,
          leafIndex: leaf.index,
          leaf: { stream, revision: event.revision, position: leaf.position, hash: leafOf(event).hash, seal: leafOf(event).seal },
          leafHash: leafHash.toString('hex'),
          auditPath: auditPath.map((hash) => hash.toString('hex')),
        };
      });
      process.stdout.write(`${JSON.stringify({ treeHead: head, proofs }, null, 2)}\n`);
    } finally {
      tree.close();
    }
  }
}
