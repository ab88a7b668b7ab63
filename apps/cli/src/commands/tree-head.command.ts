import { existsSync } from 'node:fs';
import { Command, CommandRunner } from 'nest-commander';
import { TreeFile, verifyTreeHead } from '@app/event-store';
import { CliContext } from '../cli-context';
import { auditPublicKey } from './audit-keys';

/** Prints the latest head the API signed, as JSON, to keep somewhere the server cannot write. */
@Command({ name: 'tree-head', description: 'print the latest signed tree head (JSON) to keep for `verify --since`' })
export class TreeHeadCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run(): Promise<void> {
    const path = this.context.config.auditTreePath;
    if (!existsSync(path)) throw new Error(`there is no Merkle tree at ${path}: the API builds it when it runs`);
    const tree = TreeFile.openReadOnly(path);
    try {
      const head = tree.latestHead();
      if (!head) throw new Error(`${path} holds no signed head yet: the API signs one within a second of a commit`);
      if (!verifyTreeHead(auditPublicKey(this.context.config), head)) throw new Error(`the head in ${path} is not signed by the audit key`);
      process.stdout.write(`${JSON.stringify(head)}\n`);
    } finally {
      tree.close();
    }
  }
}

/** Prints the public key heads are signed with, and the log id it gives. */
@Command({ name: 'public-key', description: 'print the Ed25519 public key (PEM) that signs tree heads' })
export class PublicKeyCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run(): Promise<void> {
    process.stdout.write(auditPublicKey(this.context.config).export({ type: 'spki', format: 'pem' }).toString());
  }
}
