/**
 * The projection runner on a worker thread of its own: it opens its own connections to the event
 * store and to the read-model file, follows the log as the runner does on the request thread, and
 * tells the thread that started it its failures, log lines and the batches it applied. The request thread keeps answering
 * HTTP while the views are brought up to date. Started by `ProjectionWorkerHost`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openEventStore, type EventStoreLocation, type SqliteSynchronous } from '@app/event-store';
import { ProjectionRunner, ReadModelStore, type AppliedBatch } from '@app/projections';
import type { ScheduleOptions } from '@app/ticketing';
import { PolicyCatalog } from '../policies/policy-catalog';
import { apiProjections } from './api-projections';

export interface ProjectionWorkerSettings {
  readonly eventStore: EventStoreLocation;
  readonly sqliteSynchronous: SqliteSynchronous;
  readonly readModelPath: string;
  readonly slaPoliciesFile: string;
  readonly liveBatchWindowMs: number;
  readonly schedule: ScheduleOptions;
}

/** What the worker tells the thread that started it. */
export type ProjectionWorkerMessage =
  | { readonly type: 'started' }
  | { readonly type: 'failures'; readonly failures: Record<string, string> }
  | { readonly type: 'log'; readonly level: 'log' | 'warn'; readonly message: string }
  | { readonly type: 'batch'; readonly batch: AppliedBatch }
  | { readonly type: 'stopped' };

/**
 * How soon an append of another process reaches the runner here. The request thread's commits
 * come at once: the host passes each on ('committed'), and the store here reads the file.
 */
const POLL_INTERVAL_MS = 50;
/** How often failures are reported while they change. */
const REPORT_INTERVAL_MS = 100;

async function run(port: NonNullable<typeof parentPort>, settings: ProjectionWorkerSettings): Promise<void> {
  const send = (message: ProjectionWorkerMessage) => port.postMessage(message);
  const store = await openEventStore(settings.eventStore, { sqliteSynchronous: settings.sqliteSynchronous, sqlitePollIntervalMs: POLL_INTERVAL_MS });
  const readModels = ReadModelStore.open(settings.readModelPath);
  const runner = new ProjectionRunner(store, readModels, apiProjections(PolicyCatalog.fromFile(settings.slaPoliciesFile).catalog, settings.schedule), {
    liveBatchWindowMs: settings.liveBatchWindowMs,
    logger: { log: (message) => send({ type: 'log', level: 'log', message }), warn: (message) => send({ type: 'log', level: 'warn', message }) },
    // Measured here, counted and traced on the thread that serves /metrics and owns the exporter.
    onBatch: (batch) => send({ type: 'batch', batch }),
  });
  let reported = '{}';
  const report = () => {
    const failures = runner.failuresByName();
    const text = JSON.stringify(failures);
    if (text !== reported) send({ type: 'failures', failures });
    reported = text;
  };
  const timer = setInterval(report, REPORT_INTERVAL_MS);
  // The SQLite store can be told that another connection committed; EventStoreDB's subscription needs no telling.
  const poke = (store as Partial<{ poke(): void }>).poke?.bind(store);
  port.on('message', (message: { type: string }) => {
    if (message.type === 'committed') poke?.();
    if (message.type !== 'stop') return;
    clearInterval(timer);
    void runner
      .stop()
      .then(async () => {
        readModels.close();
        await store.close();
      })
      .finally(() => {
        send({ type: 'stopped' });
        port.close();
      });
  });
  runner.start();
  send({ type: 'started' });
}

if (parentPort) {
  const port = parentPort;
  run(port, workerData as ProjectionWorkerSettings).catch((error: unknown) => {
    port.postMessage({ type: 'log', level: 'warn', message: `projection worker could not start: ${(error as Error).message}` } satisfies ProjectionWorkerMessage);
    throw error;
  });
}
