import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type BeforeApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@app/event-store';
import { ProjectionRunner, ReadModelStore } from '@app/projections';
import type { AppConfig } from '../config/app-config';
import { EVENT_STORE } from '../event-store/event-store.module';
import { PolicyCatalog } from '../policies/policy-catalog';
import { apiProjections } from './api-projections';
import { ProjectionWorkerHost, projectionWorkerAvailable, type CommitSource } from './projection-worker-host';

export const READ_MODELS = Symbol('READ_MODELS');

/** A store that says when this process committed (the SQLite adapter), so the worker need not wait for its poll. */
function tellsCommits(store: EventStore): store is EventStore & CommitSource {
  return typeof (store as Partial<CommitSource>).onCommitted === 'function';
}
export const PROJECTION_RUNNER = Symbol('PROJECTION_RUNNER');

/**
 * Starts the runner with the application (unless RUN_PROJECTIONS=false), on its worker thread or
 * on this one, and stops it before the store closes.
 */
class ProjectionLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    private readonly enabled: boolean,
    private readonly worker: ProjectionWorkerHost | undefined,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    if (this.worker) this.worker.start();
    else this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.worker) await this.worker.stop();
    else await this.runner.stop();
  }

  onApplicationShutdown(): void {
    this.readModels.close();
  }
}

@Global()
@Module({})
export class ProjectionsModule {
  /**
   * `ownStore`: the runner may open its own connection to the event store (a worker thread does);
   * false when the application's store is one made for it (a test's decorated store), which only
   * a runner on this thread sees.
   */
  static forRoot(config: AppConfig, ownStore = true): DynamicModule {
    const inWorker = config.projectionThread === 'worker' && ownStore && projectionWorkerAvailable();
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
            return new ProjectionRunner(store, readModels, apiProjections(policies.catalog, config.schedule), {
              liveBatchWindowMs: config.projectionBatchWindowMs,
              logger: { log: (message) => logger.log(message), warn: (message) => logger.warn(message) },
            });
          },
        },
        {
          provide: ProjectionLifecycle,
          inject: [PROJECTION_RUNNER, READ_MODELS, EVENT_STORE],
          useFactory: (runner: ProjectionRunner, readModels: ReadModelStore, store: EventStore) => {
            const logger = new Logger('Projections');
            const worker = inWorker
              ? new ProjectionWorkerHost(
                  {
                    eventStore: config.eventStore,
                    sqliteSynchronous: config.sqliteSynchronous,
                    readModelPath: config.readModelPath,
                    slaPoliciesFile: config.slaPoliciesFile,
                    liveBatchWindowMs: config.projectionBatchWindowMs,
                    schedule: config.schedule,
                  },
                  runner,
                  { log: (message) => logger.log(message), warn: (message) => logger.warn(message) },
                  tellsCommits(store) ? store : undefined,
                )
              : undefined;
            return new ProjectionLifecycle(runner, readModels, config.runProjections, worker);
          },
        },
      ],
      exports: [PolicyCatalog, READ_MODELS, PROJECTION_RUNNER],
    };
  }
}
