import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type BeforeApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@app/event-store';
import { ProjectionRunner, ReadModelStore, satisfactionProjection, slaComplianceProjection, warrantyArchiveProjection } from '@app/projections';
import type { AppConfig } from '../config/app-config';
import { EVENT_STORE } from '../event-store/event-store.module';
import { PolicyCatalog } from '../policies/policy-catalog';

export const READ_MODELS = Symbol('READ_MODELS');
export const PROJECTION_RUNNER = Symbol('PROJECTION_RUNNER');

/** Starts the runner with the application (unless RUN_PROJECTIONS=false) and stops it before the store closes. */
class ProjectionLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    private readonly enabled: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.enabled) this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  onApplicationShutdown(): void {
    this.readModels.close();
  }
}

@Global()
@Module({})
export class ProjectionsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ProjectionsModule,
      providers: [
        { provide: PolicyCatalog, useFactory: () => PolicyCatalog.fromFile(config.slaPoliciesFile) },
        { provide: READ_MODELS, useFactory: () => ReadModelStore.open(config.readModelPath) },
        {
          provide: PROJECTION_RUNNER,
          inject: [EVENT_STORE, READ_MODELS, PolicyCatalog],
          useFactory: (store: EventStore, readModels: ReadModelStore, policies: PolicyCatalog) => {
            const logger = new Logger('Projections');
            return new ProjectionRunner(store, readModels, [slaComplianceProjection(policies.catalog), satisfactionProjection, warrantyArchiveProjection], {
              logger: { log: (message) => logger.log(message), warn: (message) => logger.warn(message) },
            });
          },
        },
        {
          provide: ProjectionLifecycle,
          inject: [PROJECTION_RUNNER, READ_MODELS],
          useFactory: (runner: ProjectionRunner, readModels: ReadModelStore) => new ProjectionLifecycle(runner, readModels, config.runProjections),
        },
      ],
      exports: [PolicyCatalog, READ_MODELS, PROJECTION_RUNNER],
    };
  }
}
