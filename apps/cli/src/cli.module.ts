import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { openEventStore, type EventStore } from '@app/event-store';
import { ProjectionRunner, ReadModelStore, satisfactionProjection, slaComplianceProjection } from '@app/projections';
import type { AppConfig } from '../../api/src/config/app-config';
import { PolicyCatalog } from '../../api/src/policies/policy-catalog';
import { ProjectCommand } from './commands/project.command';
import { RebuildCommand } from './commands/rebuild.command';
import { ExportCommand } from './commands/export.command';
import { HistoryCommand } from './commands/history.command';
import { StateCommand } from './commands/state.command';
import { VerifyCommand } from './commands/verify.command';
import { CLI_CONFIG, EVENT_STORE, PROJECTION_RUNNER, READ_MODELS } from './tokens';


class Closer implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.readModels.close();
    await this.store.close();
  }
}

/** The operator's command line: the same configuration, store and projections as the API, no HTTP. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      providers: [
        { provide: CLI_CONFIG, useValue: config },
        { provide: EVENT_STORE, useFactory: () => openEventStore(config.eventStore, { sqliteSynchronous: config.sqliteSynchronous }) },
        { provide: READ_MODELS, useFactory: () => ReadModelStore.open(config.readModelPath) },
        { provide: PolicyCatalog, useFactory: () => PolicyCatalog.fromFile(config.slaPoliciesFile) },
        {
          provide: PROJECTION_RUNNER,
          inject: [EVENT_STORE, READ_MODELS, PolicyCatalog],
          useFactory: (store: EventStore, readModels: ReadModelStore, policies: PolicyCatalog) =>
            new ProjectionRunner(store, readModels, [slaComplianceProjection(policies.catalog), satisfactionProjection], {
              logger: { log: (m) => process.stderr.write(`${m}\n`), warn: (m) => process.stderr.write(`warning: ${m}\n`) },
            }),
        },
        Closer,
        ProjectCommand,
        RebuildCommand,
        VerifyCommand,
        HistoryCommand,
        StateCommand,
        ExportCommand,
      ],
    };
  }
}
