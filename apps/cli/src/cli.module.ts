import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../../api/src/config/app-config';
import { CliContext } from './cli-context';
import { BackupCommand } from './commands/backup.command';
import { ExportCommand } from './commands/export.command';
import { HistoryCommand } from './commands/history.command';
import { ProjectCommand } from './commands/project.command';
import { RebuildCommand } from './commands/rebuild.command';
import { RestoreCommand } from './commands/restore.command';
import { StateCommand } from './commands/state.command';
import { ProveCommand } from './commands/prove.command';
import { PublicKeyCommand, TreeHeadCommand } from './commands/tree-head.command';
import { VerifyCommand } from './commands/verify.command';

/** The operator's and auditor's command line: the same configuration, store and projections as the API, no HTTP. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      providers: [
        { provide: CliContext, useValue: new CliContext(config) },
        ProjectCommand,
        RebuildCommand,
        VerifyCommand,
        HistoryCommand,
        StateCommand,
        ExportCommand,
        BackupCommand,
        RestoreCommand,
        TreeHeadCommand,
        PublicKeyCommand,
        ProveCommand,
      ],
    };
  }
}
