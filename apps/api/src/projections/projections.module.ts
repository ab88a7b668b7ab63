import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type BeforeApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@app/event-store';
import { ProjectionRunner, ReadModelStore, type AppliedBatch } from '@app/projections';
import { EngineMetrics } from '../telemetry/engine-metrics';
import { commandLinks, CORRELATION_ID, recordSpan } from '../telemetry/tracing';
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

/** Counts each batch a projection applied, and with tracing on records its span, linked to the commands it follows. */
function batchWatcher(metrics: EngineMetrics, tracing: boolean): (batch: AppliedBatch) => void {
  return (batch) => {
    metrics.projectionBatchApplied(batch.projection, batch.events, batch.durationMs / 1000);
    if (!tracing) return;
    const attributes = { 'ticket_engine.projection': batch.projection, 'ticket_engine.events': batch.events, [CORRELATION_ID + 's']: [...batch.correlationIds] };
    recordSpan(`projection ${batch.projection} batch`, batch.startedAtMs, batch.durationMs, attributes, commandLinks(batch.correlationIds));
  };
}

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
          inject: [EVENT_STORE, READ_MODELS, PolicyCatalog, EngineMetrics],
          useFactory: (store: EventStore, readModels: ReadModelStore, policies: PolicyCatalog, metrics: EngineMetrics) => {
            const logger = new Logger('Projections');
            return new ProjectionRunner(store, readModels, apiProjections(policies.catalog, config.schedule), {
              liveBatchWindowMs: config.projectionBatchWindowMs,
              logger: { log: (message) => logger.log(message), warn: (message) => logger.warn(message) },
              onBatch: batchWatcher(metrics, config.tracing),
            });
          },
        },
        {
          provide: ProjectionLifecycle,
          inject: [PROJECTION_RUNNER, READ_MODELS, EVENT_STORE, EngineMetrics],
          useFactory: (runner: ProjectionRunner, readModels: ReadModelStore, store: EventStore, metrics: EngineMetrics) => {
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
                  batchWatcher(metrics, config.tracing),
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
