import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { formatPosition, parsePosition, type Position } from '@app/event-store';
import { CheckpointMoved, GenerationRetired, ReadModelStore } from './read-model-store';
import type { WriteStatement, WriteStatements } from './statements';

/**
 * One batch's writes as a projection pipeline recorded them on the deciding thread, with the
 * checkpoint they move: plain values, so the batch can be posted to the writer thread.
 */
export interface PlannedBatch {
  readonly batch: number;
  /** The checkpoint the batch starts from; null before the first batch. */
  readonly from: string | null;
  readonly to: string;
  /** SQL texts first used by this batch; they are numbered after those of the earlier batches. */
  readonly statements: readonly string[];
  /** Per call, the number of its statement and how many parameters it takes from `params`. */
  readonly calls: readonly number[];
  /** The calls' parameters, one after the other (flat: cheaper to post than an array per call). */
  readonly params: readonly unknown[];
}

/** Records a projection's write calls, batch by batch. */
export class RecordedWrites {
  private readonly bySql = new Map<string, WriteStatement>();
  private fresh: string[] = [];
  private calls: number[] = [];
  private params: unknown[] = [];

  readonly statement: WriteStatements = (sql) => {
    let found = this.bySql.get(sql);
    if (!found) {
      const number = this.bySql.size;
      this.fresh.push(sql);
      found = {
        run: (...params: unknown[]) => {
          this.calls.push(number, params.length);
          for (const param of params) this.params.push(param);
        },
      };
      this.bySql.set(sql, found);
    }
    return found;
  };

  /** The calls recorded since the last batch, as batch `batch` from `from` to `to`. */
  take(batch: number, from: Position | undefined, to: Position): PlannedBatch {
    const planned: PlannedBatch = {
      batch,
      from: from === undefined ? null : formatPosition(from),
      to: formatPosition(to),
      statements: this.fresh,
      calls: this.calls,
      params: this.params,
    };
    this.fresh = [];
    this.calls = [];
    this.params = [];
    return planned;
  }
}

/** Runs planned batches in order on one connection, each with its checkpoint in one transaction. */
export class PlannedBatchApplier {
  private readonly statements: Database.Statement[] = [];

  constructor(
    private readonly readModels: ReadModelStore,
    private readonly projection: string,
    private readonly generation: number,
  ) {}

  apply(planned: PlannedBatch): void {
    for (const sql of planned.statements) this.statements.push(this.readModels.db.prepare(sql));
    const { calls, params } = planned;
    const from = planned.from === null ? undefined : parsePosition(planned.from);
    this.readModels.applyBatch(
      { name: this.projection },
      this.generation,
      from,
      () => {
        for (let i = 0, at = 0; i < calls.length; i += 2) {
          const count = calls[i + 1];
          this.statements[calls[i]].run(...params.slice(at, at + count));
          at += count;
        }
      },
      parsePosition(planned.to)!,
    );
  }
}

/** What the writer thread is started with. */
export interface BatchWriterSettings {
  readonly path: string;
  readonly projection: string;
  readonly generation: number;
}

/** What the writer thread is sent, in order. */
export type BatchWriterCommand = { type: 'batch'; planned: PlannedBatch } | { type: 'close' };

/** What the writer thread reports. */
export type BatchWriterReport =
  | { type: 'committed'; batch: number }
  | { type: 'failed'; batch: number; kind: 'CheckpointMoved' | 'GenerationRetired' | 'Error'; message: string };

/** A failure as the writer thread reports it. */
export function reportOf(batch: number, error: unknown): BatchWriterReport {
  const kind = error instanceof CheckpointMoved ? 'CheckpointMoved' : error instanceof GenerationRetired ? 'GenerationRetired' : 'Error';
  return { type: 'failed', batch, kind, message: (error as Error).message };
}

/**
 * Where a pipelined catch-up sends its batches: they are committed in the order sent, each with
 * its checkpoint; the first that fails stops the writer, and every later call throws its error.
 */
export abstract class BatchWriter {
  private sent = 0;
  private done = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  protected constructor(
    protected readonly settings: BatchWriterSettings,
    private readonly onCommitted: (batch: number) => void,
  ) {}

  send(planned: PlannedBatch): void {
    if (this.failure) throw this.failure;
    this.sent++;
    this.post(planned);
  }

  /** Waits until at most `inFlight` batches are still to be committed; throws the writer's failure. */
  async settle(inFlight: number): Promise<void> {
    while (!this.failure && this.sent - this.done > inFlight) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure) throw this.failure;
  }

  /** Lets the writer finish what it was sent (or stop at its failure) and release its connection. */
  abstract close(): Promise<void>;

  protected abstract post(planned: PlannedBatch): void;

  protected report(report: BatchWriterReport): void {
    if (report.type === 'committed') {
      this.done++;
      this.onCommitted(report.batch);
    } else {
      const { projection, generation } = this.settings;
      this.fail(
        report.kind === 'CheckpointMoved'
          ? new CheckpointMoved(projection, generation)
          : report.kind === 'GenerationRetired'
            ? new GenerationRetired(projection, generation)
            : new Error(report.message),
      );
    }
    this.wakeUp();
  }

  /** Whether batches were sent that are not committed. */
  protected outstanding(): boolean {
    return this.sent > this.done;
  }

  protected fail(error: Error): void {
    this.failure ??= error;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** The compiled writer thread beside this file; undefined when the sources run uncompiled. */
function writerScript(): string | undefined {
  if (typeof __dirname === 'undefined') return undefined;
  const script = join(__dirname, 'batch-writer.worker.js');
  return existsSync(script) ? script : undefined;
}

export function writerThreadAvailable(): boolean {
  return writerScript() !== undefined;
}

/** The batches written on a thread of their own (`batch-writer.worker.ts`), on its own connection. */
export class ThreadBatchWriter extends BatchWriter {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(settings: BatchWriterSettings, onCommitted: (batch: number) => void) {
    super(settings, onCommitted);
    this.worker = new Worker(writerScript()!, { workerData: settings });
    this.worker.on('message', (report: BatchWriterReport) => this.report(report));
    this.worker.on('error', (error) => this.fail(error));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        if (this.outstanding()) this.fail(new Error(`the batch writer exited (code ${code}) before its batches were written`));
        resolve();
      }),
    );
  }

  protected post(planned: PlannedBatch): void {
    this.worker.postMessage({ type: 'batch', planned } satisfies BatchWriterCommand);
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: 'close' } satisfies BatchWriterCommand);
    await this.exited;
  }
}

/**
 * The batches written on this thread, on a second connection, always `behind` batches behind
 * those sent (fewer only when asked to settle below that): the deciding side then decides every
 * batch with the last ones still unwritten, as with a writer thread at its slowest. Where no
 * compiled writer thread can run (sources run uncompiled, as in the tests).
 */
export class DeferredBatchWriter extends BatchWriter {
  private readonly readModels: ReadModelStore;
  private readonly applier: PlannedBatchApplier;
  private readonly queue: PlannedBatch[] = [];
  private holdBack: number;
  private stopped = false;

  constructor(
    settings: BatchWriterSettings,
    onCommitted: (batch: number) => void,
    private readonly behind = 2,
  ) {
    super(settings, onCommitted);
    this.holdBack = behind;
    this.readModels = ReadModelStore.open(settings.path);
    this.applier = new PlannedBatchApplier(this.readModels, settings.projection, settings.generation);
  }

  protected post(planned: PlannedBatch): void {
    this.queue.push(planned);
    this.writeDue();
  }

  override async settle(inFlight: number): Promise<void> {
    this.holdBack = Math.min(this.behind, inFlight);
    try {
      // On a later turn, as a thread's reply would come.
      await new Promise((resolve) => setImmediate(resolve));
      this.writeDue();
      await super.settle(inFlight);
    } finally {
      this.holdBack = this.behind;
    }
  }

  private writeDue(): void {
    while (this.queue.length > this.holdBack && !this.stopped) {
      const planned = this.queue.shift()!;
      try {
        this.applier.apply(planned);
        this.report({ type: 'committed', batch: planned.batch });
      } catch (error) {
        this.stopped = true;
        this.report(reportOf(planned.batch, error));
      }
    }
  }

  async close(): Promise<void> {
    this.holdBack = 0;
    this.writeDue();
    this.readModels.close();
  }
}
