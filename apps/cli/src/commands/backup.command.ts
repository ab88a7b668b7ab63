import { statSync } from 'node:fs';
import { Command, CommandRunner } from 'nest-commander';
import { backupSqliteFile } from '@app/event-store';
import type { AppConfig } from '../../../api/src/config/app-config';
import { CliContext } from '../cli-context';

export function sqlitePath(config: AppConfig): string {
  if (config.eventStore.kind !== 'sqlite') {
    throw new Error('backup and restore are for the embedded SQLite store; EventStoreDB has its own backup procedure (see docs/operations.md, "Backups and restores")');
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
    const started = performance.now();
    await backupSqliteFile(source, file);
    const megabytes = statSync(file).size / (1024 * 1024);
    process.stdout.write(`backed up ${source} to ${file} (${megabytes.toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  }
}
