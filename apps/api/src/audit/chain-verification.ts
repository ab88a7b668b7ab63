import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EventStoreUnavailable, SqliteEventStore, type EventStore } from '@app/event-store';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, EVENT_STORE } from '../event-store/event-store.module';
import { problem, ProblemError } from '../http/problem';
import { verifyStore, type Verification } from './verify-chains';
import type { VerifyWorkerMessage, VerifyWorkerSettings } from './verify-worker';

/** The compiled worker beside this file; undefined when the sources run uncompiled (then verify runs here, yielding between pages). */
function workerScript(): string | undefined {
  if (typeof __dirname === 'undefined') return undefined;
  const script = join(__dirname, 'verify-worker.js');
  return existsSync(script) ? script : undefined;
}

/** The longest Retry-After a second verify is told to wait. */
const MAX_RETRY_AFTER_S = 60;

interface RunningVerify {
  /** The stream checked, or '' for the whole log. */
  readonly scope: string;
  readonly startedAt: number;
  readonly result: Promise<Verification>;
  /** Ends a verify on a worker thread before it is done (at shutdown). */
  readonly stop?: () => Promise<void>;
}

/**
 * The hash-chain check of GET /v1/audit/verify, one at a time per process. On the SQLite store it
 * runs on a worker thread with its own connection to the file, so the request thread keeps
 * answering while it reads the whole log; elsewhere (EventStoreDB, a store wrapped for tests, the
 * sources run uncompiled) it runs here and lets the event loop turn between pages. A request for
 * the check that is running joins it and gets its answer; a request for another check gets 429
 * with Retry-After.
 */
@Injectable()
export class ChainVerification implements OnApplicationShutdown {
  private running: RunningVerify | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  verify(stream?: string): Promise<Verification> {
    const scope = stream ?? '';
    const running = this.running;
    if (running) {
      if (running.scope === scope) return running.result;
      const retryAfter = Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil((Date.now() - running.startedAt) / 1000)));
      const what = running.scope === '' ? 'the whole log' : `stream ${running.scope}`;
      throw new ProblemError(problem(429, 'VERIFY_RUNNING', `a verify of ${what} is running; one runs at a time, try again later`), {
        'retry-after': String(retryAfter),
      });
    }
    const script = workerScript();
    // A store wrapped by the caller (as the fault tests wrap it) is verified through the wrapper.
    const onWorker = script !== undefined && this.config.eventStore.kind === 'sqlite' && this.store instanceof SqliteEventStore;
    const job: { result: Promise<Verification>; stop?: () => Promise<void> } = onWorker ? this.onWorker(script, stream) : { result: verifyStore(this.store, stream) };
    const run: RunningVerify = {
      scope,
      startedAt: Date.now(),
      stop: job.stop,
      result: job.result.finally(() => {
        if (this.running === run) this.running = undefined;
      }),
    };
    this.running = run;
    return run.result;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running?.stop?.();
  }

  private onWorker(script: string, stream: string | undefined): { result: Promise<Verification>; stop: () => Promise<void> } {
    const settings: VerifyWorkerSettings = { eventStore: this.config.eventStore, sqliteSynchronous: this.config.sqliteSynchronous, stream };
    const worker = new Worker(script, { workerData: settings });
    const stop = async () => {
      await worker.terminate();
    };
    const result = new Promise<Verification>((resolve, reject) => {
      let answered = false;
      worker.once('message', (message: VerifyWorkerMessage) => {
        answered = true;
        if (message.type === 'verified') resolve(message.verification);
        else if (message.type === 'problem') reject(new ProblemError(message.problem));
        else if (message.type === 'store-error' && message.code === 'EVENT_STORE_UNAVAILABLE') reject(new EventStoreUnavailable(message.message));
        else reject(new Error(`verify failed: ${message.message}`));
      });
      worker.once('error', (error) => {
        answered = true;
        reject(new Error(`verify failed: ${error.message}`));
      });
      worker.once('exit', (code) => {
        if (!answered) reject(new EventStoreUnavailable(`the verify worker stopped (code ${code}) before it finished`));
      });
    });
    return { result, stop };
  }
}
