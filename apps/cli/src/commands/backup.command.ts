import { existsSync, rmSync } from 'node:fs';
import { Command, CommandRunner, Option } from 'nest-commander';
import { backupSqliteFile, restoreSqliteFile } from '@app/event-store';
import type { AppConfig } from '../../../api/src/config/app-config';
import { CliContext } from '../cli-context';

function sqlitePath(config: AppConfig): string {
  if (config.eventStore.kind !== 'sqlite') {
    throw new Error('backup and restore are for the embedded SQLite store; EventStoreDB has its own backup procedure (see the README)');
  }
  return config.eventStore.path;
}

/** A consistent copy of the event store while the API keeps writing. */
@Command({ name: 'backup', arguments: '<file>', description: 'copy the SQLite event store to <file>, online' })
export class BackupCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run([file]: string[]): Promise<void> {
    const source = sqlitePath(this.context.config);
    let reported = 0;
    await backupSqliteFile(source, file, (remaining, total) => {
      if (total > 10_000 && Date.now() - reported > 1000) {
        reported = Date.now();
        process.stderr.write(`… ${total - remaining} of ${total} pages copied\n`);
      }
    });
    process.stdout.write(`backed up ${source} to ${file}\n`);
  }
}

/** Puts a backup back in place; the API must be stopped. The read models are rebuilt from it at the next start. */
@Command({ name: 'restore', arguments: '<file>', description: 'replace the SQLite event store with a backup (stop the API first)' })
export class RestoreCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run([file]: string[], options: { force?: boolean }): Promise<void> {
    const target = sqlitePath(this.context.config);
    if (existsSync(target) && !options.force) throw new Error(`${target} exists: pass --force to replace it with ${file}`);
    restoreSqliteFile(file, target);
    // The views describe the old log; without them the runner rebuilds from the restored one.
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.context.config.readModelPath}${suffix}`, { force: true });
    process.stdout.write(`restored ${target} from ${file}; the read models will be rebuilt at the next start\n`);
  }

  @Option({ flags: '--force', description: 'replace an existing store file' })
  parseForce(): boolean {
    return true;
  }
}
