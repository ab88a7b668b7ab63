import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppliedBatch, ProjectionRunner } from '@app/projections';
import type { ProjectionWorkerMessage, ProjectionWorkerSettings } from './projection-worker';

/**
 * The compiled worker beside this file. Undefined when the sources run uncompiled (as modules,
 * without __dirname, or with no .js beside them): the runner then stays on the request thread.
 */
function workerScript(): string | undefined {
  if (typeof __dirname === 'undefined') return undefined;
  const script = join(__dirname, 'projection-worker.js');
  return existsSync(script) ? script : undefined;
}

export function projectionWorkerAvailable(): boolean {
  return workerScript() !== undefined;
}

/** What tells the host that this process committed: the store the request thread appends to. */
export interface CommitSource {
  onCommitted(listener: () => void): () => void;
}

interface HostLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** How long a stopping worker may take to finish its batch and close its files. */
const STOP_TIMEOUT_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Runs the projection runner on a worker thread (`projection-worker.ts`) and brings what it tells
 * back to this thread: its failures into `runner` (a runner here that is never started, whose
 * `status()` reads positions from the read-model file as ever), its log lines into the log. A
 * worker that dies is started again after a delay that doubles up to 30 s; meanwhile every
 * projection reports the failure, so readiness says so.
 */
export class ProjectionWorkerHost {
  private worker: Worker | undefined;
  private stopping = false;
  private restartDelayMs = 1000;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopTelling: (() => void) | undefined;

  /**
   * `commits`: when given, each commit of this process is passed on to the worker, whose store
   * then reads the file at once instead of at its next poll. `onBatch`: told of each batch the
   * worker applied.
   */
  constructor(
    private readonly settings: ProjectionWorkerSettings,
    private readonly runner: ProjectionRunner,
    private readonly logger: HostLogger,
    private readonly commits?: CommitSource,
    private readonly onBatch?: (batch: AppliedBatch) => void,
  ) {}

  start(): void {
    const worker = new Worker(workerScript()!, { workerData: this.settings });
    this.worker = worker;
    this.stopTelling ??= this.commits?.onCommitted(() => this.worker?.postMessage({ type: 'committed' }));
    worker.on('message', (message: ProjectionWorkerMessage) => {
      if (message.type === 'failures') this.runner.reportFailures(message.failures);
      else if (message.type === 'log') this.logger[message.level](message.message);
      else if (message.type === 'batch') this.onBatch?.(message.batch);
      else if (message.type === 'started') {
        this.restartDelayMs = 1000;
        // A worker started again has failed at nothing yet: the exit reported before is over. (It
        // sends its failures only when they change, and starts with none.)
        this.runner.reportFailures({});
      }
    });
    worker.on('error', (error) => this.logger.warn(`projection worker failed: ${error.message}`));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (this.stopping) return;
      const failure = `the projection worker exited (code ${code}); starting it again in ${this.restartDelayMs} ms`;
      this.logger.warn(failure);
      this.runner.reportFailures(Object.fromEntries(this.runner.projections.map((p) => [p.name, failure])));
      this.restartTimer = setTimeout(() => this.start(), this.restartDelayMs);
      this.restartDelayMs = Math.min(this.restartDelayMs * 2, MAX_RESTART_DELAY_MS);
    });
  }

  /** Asks the worker to finish its batch and close its files; stops it outright if it takes too long. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.stopTelling?.();
    this.stopTelling = undefined;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.logger.warn(`the projection worker did not stop within ${STOP_TIMEOUT_MS} ms; stopping it outright`);
        void worker.terminate().then(() => resolve());
      }, STOP_TIMEOUT_MS);
    });
    await Promise.race([exited, late]);
    clearTimeout(timer);
  }
}
