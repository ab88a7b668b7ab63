import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommandRunner, Option } from 'nest-commander';
import { holdSqliteFile, inspectBackup, removeHeldSqliteFile, restoreSqliteFile, type HeldSqliteFile } from '@app/event-store';
import { clampOutboxCheckpoint } from '../../../api/src/webhooks/outbox-restore';
import { CliContext } from '../cli-context';
import { sqlitePath } from './backup.command';

/**
 * Puts a backup in place of the event store. It refuses while any process has the store, the read
 * models or webhooks.db open (the API, `project`, a `verify`): it holds all three for itself first.
 * Then the read models are removed (the next start rebuilds them from the restored log) and the
 * webhook outbox checkpoint is moved back to the restored head, so that the events appended next,
 * which take the positions after it again, are delivered.
 */
@Command({ name: 'restore', arguments: '<file>', description: 'replace the SQLite event store with a backup (stop the API first)' })
export class RestoreCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run([file]: string[], options: { force?: boolean }): Promise<void> {
    const config = this.context.config;
    const target = sqlitePath(config);
    if (existsSync(target) && !options.force) throw new Error(`${target} exists: pass --force to replace it with ${file}`);
    const { head } = inspectBackup(file);
    const webhooksPath = join(config.dataDir, 'webhooks.db');
    const held: HeldSqliteFile[] = [];
    let outbox: { from: string; to: string } | undefined;
    try {
      for (const path of [target, config.readModelPath, webhooksPath]) if (existsSync(path)) held.push(holdSqliteFile(path));
      const heldAt = (path: string) => held.find((file) => file.path === path);
      restoreSqliteFile(file, target, heldAt(target));
      // The views describe the old log; without them the runner rebuilds from the restored one.
      const views = heldAt(config.readModelPath);
      if (views) removeHeldSqliteFile(views);
      else for (const suffix of ['-wal', '-shm']) rmSync(`${config.readModelPath}${suffix}`, { force: true });
      const webhooks = heldAt(webhooksPath);
      if (webhooks) outbox = clampOutboxCheckpoint(webhooks.db, head);
    } finally {
      for (const file of held) file.release();
    }
    // The tree signed heads over events the backup does not hold: the API would refuse to start on
    // it. Kept aside (auditors' heads past the backup will show the loss), a new tree is built.
    let treeAside: string | undefined;
    if (existsSync(config.auditTreePath)) {
      treeAside = `${config.auditTreePath}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(`${config.auditTreePath}${suffix}`)) renameSync(`${config.auditTreePath}${suffix}`, `${treeAside}${suffix}`);
    }
    process.stdout.write(`restored ${target} from ${file} (last position ${head ?? 'none: an empty log'}); the read models will be rebuilt at the next start\n`);
    if (treeAside) process.stdout.write(`the Merkle tree was moved to ${treeAside}; the API signs a new one over the restored log\n`);
    if (outbox) process.stdout.write(`the webhook outbox resumes after position ${outbox.to} (it was at ${outbox.from})\n`);
  }

  @Option({ flags: '--force', description: 'replace an existing store file' })
  parseForce(): boolean {
    return true;
  }
}
