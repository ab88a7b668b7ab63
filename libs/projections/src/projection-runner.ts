import type { EventStore, Position, RecordedEvent } from '@app/event-store';
import { comparePositions, formatPosition, identifyStore, readsPages } from '@app/event-store';
import { followInBatches } from './batches';
import { DeferredBatchWriter, RecordedWrites, ThreadBatchWriter, writerThreadAvailable, type BatchWriter } from './batch-writer';
import { tableNamesFor, type Projection, type ProjectionPipeline, type TableNames } from './projection';
import { CheckpointMoved, GenerationRetired, ReadModelStore, type Generation } from './read-model-store';

export interface RunnerLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly generation: number | undefined;
  readonly building: boolean;
  readonly position: string | undefined;
  readonly failure: string | undefined;
}

export interface RunnerOptions {
  readonly batchSize?: number;
  readonly logger?: RunnerLogger;
  /**
   * Following the live log, how long a projection waits after applying a batch that took all
   * there was, before it takes the next one: the commits of a burst gather into fewer, larger
   * transactions (a ticket commanded several times in the window is evaluated once). An event
   * after a quiet spell is applied at once. 0 (the default) takes every commit as it comes.
   */
  readonly liveBatchWindowMs?: number;
  /**
   * Where `rebuild` writes the batches of a projection that offers a pipeline: on a writer thread
   * (the default; the rebuild stays on this thread when the compiled writer is not there), on a
   * second connection of this thread a turn later (`deferred`: the same order and lag, for tests),
   * or in the projection's own `apply` (`direct`).
   */
  readonly rebuildWrites?: 'thread' | 'deferred' | 'direct';
  /** Told after each batch applied with its checkpoint (live or catching up), for metrics and traces. */
  readonly onBatch?: (batch: AppliedBatch) => void;
}

/** One batch a projection applied: how many of its events it read, when, how long it took, which conversations. */
export interface AppliedBatch {
  readonly projection: string;
  readonly events: number;
  readonly startedAtMs: number;
  readonly durationMs: number;
  /** The correlation ids of its events (at most `MAX_BATCH_CORRELATIONS` distinct ones). */
  readonly correlationIds: readonly string[];
}

/** How many correlation ids a batch reports: enough to follow a command, bounded for a catch-up. */
const MAX_BATCH_CORRELATIONS = 32;

/** Batches a pipelined rebuild lets the writer fall behind by: what it holds in memory for them. */
const MAX_BATCHES_IN_FLIGHT = 3;

/** The first wait before a failed projection is followed again; it doubles up to the second. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;

/** What one attempt at following a projection has done so far. */
interface Attempt {
  /** When it was first caught up with the head or applied a batch. */
  healthySince: number | undefined;
  applied: boolean;
}

const silent: RunnerLogger = { log: () => undefined, warn: () => undefined };

/**
 * Follows the log for each projection: catches up from its checkpoint, then follows the live
 * subscription, applying each batch and its checkpoint in one read-model transaction. A
 * projection whose version changed is rebuilt from the start into a new generation of tables;
 * the old one keeps answering queries until the new one has caught up.
 */
export class ProjectionRunner {
  private readonly batchSize: number;
  private readonly logger: RunnerLogger;
  private readonly onBatch: RunnerOptions['onBatch'];
  private readonly liveBatchWindowMs: number;
  private readonly rebuildWrites: 'thread' | 'deferred' | 'direct';
  private readonly loops = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<{ close(): Promise<void> }>();
  private readonly failures = new Map<string, string>();
  private stopped = false;
  /** Settles once the read models are known to hold checkpoints of this store (see `matchStore`). */
  private storeMatched: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    readonly readModels: ReadModelStore,
    readonly projections: readonly Projection[],
    options: RunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.liveBatchWindowMs = options.liveBatchWindowMs ?? 0;
    this.logger = options.logger ?? silent;
    this.onBatch = options.onBatch;
    this.rebuildWrites = options.rebuildWrites ?? 'thread';
  }

  /** Starts following every projection; returns at once. */
  start(): void {
    for (const projection of this.projections) {
      this.loops.set(projection.name, this.follow(projection));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await Promise.all(this.loops.values());
  }

  status(): ProjectionStatus[] {
    return this.projections.map((projection) => {
      const generations = this.readModels.generations(projection.name);
      const live = generations.find((g) => g.status === 'live');
      return {
        name: projection.name,
        version: projection.version,
        generation: live?.generation,
        building: generations.some((g) => g.status === 'building'),
        position: live?.position ? formatPosition(live.position) : undefined,
        failure: this.failures.get(projection.name),
      };
    });
  }

  /** The failures of the projections, by name: what a runner following elsewhere reports. */
  failuresByName(): Record<string, string> {
    return Object.fromEntries(this.failures);
  }

  /**
   * Takes the failures a runner following in another thread reports, so `status()` here tells
   * them; for a runner that is not started itself.
   */
  reportFailures(failures: Record<string, string>): void {
    this.failures.clear();
    for (const [name, failure] of Object.entries(failures)) this.failures.set(name, failure);
  }

  projection(name: string): Projection {
    const found = this.projections.find((p) => p.name === name);
    if (!found) throw new Error(`no projection named ${name}; known: ${this.projections.map((p) => p.name).join(', ')}`);
    return found;
  }

  /**
   * Builds a new generation of `name` from the start of the log until it has caught up, then
   * makes it live. With `compare`, first counts the rows that differ from the live generation
   * (both at the same position): a rebuild must reproduce the live rows exactly.
   */
  async rebuild(name: string, options: { compare?: boolean } = {}): Promise<{ generation: number; differences?: number }> {
    const projection = this.projection(name);
    await this.matchStore();
    const building = this.readModels.createGeneration(projection);
    await this.runGeneration(projection, building, { untilCaughtUp: true, pipelined: true });
    const differences = options.compare ? await this.compareAtOnePosition(projection, building.generation) : undefined;
    this.readModels.promote(projection, building.generation);
    return { generation: building.generation, differences };
  }

  /**
   * The live generation may be behind the log (its projector was stopped): both are brought to
   * the same position first, so the comparison is of the same events.
   */
  private async compareAtOnePosition(projection: Projection, rebuilt: number): Promise<number> {
    const find = (generation: number) => this.readModels.generations(projection.name).find((g) => g.generation === generation)!;
    const live = this.readModels.live(projection.name);
    if (!live || live.generation === rebuilt) return 0;
    for (let round = 0; round < 5; round++) {
      await this.runGeneration(projection, find(live.generation), { untilCaughtUp: true });
      await this.runGeneration(projection, find(rebuilt), { untilCaughtUp: true });
      const [a, b] = [find(live.generation).position, find(rebuilt).position];
      if (a && b && comparePositions(a, b) === 0) break;
    }
    return this.differences(projection, rebuilt);
  }

  private differences(projection: Projection, generation: number): number {
    const live = this.readModels.live(projection.name);
    if (!live || live.generation === generation) return 0;
    const rebuilt = tableNamesFor(generation);
    const current = tableNamesFor(live.generation);
    let differences = 0;
    for (const table of projection.tables) {
      const a = current(table);
      const b = rebuilt(table);
      const count = (sql: string) => (this.readModels.db.prepare(sql).get() as { n: number }).n;
      differences += count(`SELECT count(*) AS n FROM (SELECT * FROM ${a} EXCEPT SELECT * FROM ${b})`);
      differences += count(`SELECT count(*) AS n FROM (SELECT * FROM ${b} EXCEPT SELECT * FROM ${a})`);
    }
    return differences;
  }

  /**
   * Follows one projection for as long as the runner runs. A failure is reported in `status()` and
   * retried after a wait that doubles up to 30 s; the attempt after it clears the failure once it
   * is healthy again (it has caught up with the head of the log, or applied a batch), so a
   * subscription that the store dropped and that resubscribed reports nothing. The wait starts
   * over at 250 ms when the failed attempt had applied a batch, or had been caught up for at least
   * as long as it would wait: a subscription that fails again at once keeps backing off.
   */
  private async follow(projection: Projection): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    while (!this.stopped) {
      const attempt: Attempt = { healthySince: undefined, applied: false };
      const progress = (applied: boolean) => {
        attempt.healthySince ??= Date.now();
        if (applied) attempt.applied = true;
        this.failures.delete(projection.name);
      };
      try {
        await this.matchStore();
        const generation = this.chooseGeneration(projection);
        await this.runGeneration(projection, generation, { untilCaughtUp: false, progress });
        this.failures.delete(projection.name);
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof GenerationRetired || error instanceof CheckpointMoved) {
          this.logger.log(`${projection.name}: ${error.message}; resuming from the stored checkpoint`);
          continue;
        }
        if (attempt.applied || (attempt.healthySince !== undefined && Date.now() - attempt.healthySince >= retryMs)) retryMs = FIRST_RETRY_MS;
        const message = (error as Error).message;
        this.failures.set(projection.name, message);
        this.logger.warn(`${projection.name} stopped: ${message}; retrying in ${retryMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
    }
  }

  /**
   * Once per runner (again after a failure): checkpoints taken from another store, or past the head
   * of this one (it was restored to an earlier state), would be used as offsets into this log, so
   * the read models are built again from its start instead.
   */
  private matchStore(): Promise<void> {
    this.storeMatched ??= (async () => {
      const checkpoint = this.readModels.furthestCheckpoint();
      const head = await this.store.headPosition();
      const identity = await identifyStore(this.store);
      const outcome = this.readModels.matchStore(identity, checkpoint, head, this.projections);
      if (outcome === 'rebuilt') this.logger.log('the read models were built from another event store, or from a later state of this one: building them again from its log');
    })().catch((error: unknown) => {
      this.storeMatched = undefined;
      throw error;
    });
    return this.storeMatched;
  }

  /** The generation to follow: the live one of this version, or one to build when the version changed. */
  private chooseGeneration(projection: Projection): Generation {
    const generations = this.readModels.generations(projection.name);
    const live = generations.find((g) => g.status === 'live');
    if (live && live.version === projection.version) return live;
    const building = generations.find((g) => g.status === 'building' && g.version === projection.version);
    if (building) return building;
    if (live) this.logger.log(`${projection.name}: version ${live.version} -> ${projection.version}, rebuilding into new tables`);
    return this.readModels.createGeneration(projection);
  }

  /** Applies the log to one generation; a building generation is promoted once caught up. */
  private async runGeneration(
    projection: Projection,
    generation: Generation,
    options: { untilCaughtUp: boolean; pipelined?: boolean; progress?: (applied: boolean) => void },
  ): Promise<void> {
    const t = tableNamesFor(generation.generation);
    let position = generation.position;
    const finishIfCaughtUp = async (): Promise<boolean> => {
      const head = await this.store.headPosition();
      const caughtUp = head === undefined || (position !== undefined && comparePositions(position, head) >= 0);
      if (caughtUp && generation.status === 'building' && !options.untilCaughtUp) {
        this.readModels.promote(projection, generation.generation);
        this.logger.log(`${projection.name}: generation ${generation.generation} caught up and is live`);
        generation = { ...generation, status: 'live' };
      }
      if (caughtUp) options.progress?.(false);
      return caughtUp;
    };
    if ((await finishIfCaughtUp()) && options.untilCaughtUp) return;

    const relevant = relevanceOf(projection);
    /** Applies one batch with its checkpoint; true when the run is over. */
    const applyBatch = async (batch: readonly RecordedEvent[]): Promise<boolean> => {
      const events = relevant(batch);
      const last = batch[batch.length - 1].position;
      const startedAtMs = this.onBatch ? Date.now() : 0;
      const started = this.onBatch ? performance.now() : 0;
      this.readModels.applyBatch(projection, generation.generation, position, () => events.length && projection.apply(this.readModels.db, events, t), last);
      position = last;
      this.onBatch?.({ projection: projection.name, events: events.length, startedAtMs, durationMs: performance.now() - started, correlationIds: correlationsOf(events) });
      options.progress?.(true);
      // A catch-up reads pages already in memory: let the event loop turn between batches, so the
      // process keeps answering HTTP while it catches up.
      await new Promise((resolve) => setImmediate(resolve));
      if (generation.status === 'building' || options.untilCaughtUp) {
        if ((await finishIfCaughtUp()) && options.untilCaughtUp) return true;
      }
      return this.stopped;
    };

    // Catching up, a store that reads in pages (SQLite) hands over a batch per read; the
    // subscription then follows from where the pages ended.
    if (readsPages(this.store)) {
      const pipelined = options.pipelined ? this.pipelineFor(projection, generation, t) : undefined;
      if (pipelined) {
        // This thread reads and decides; the writer applies each batch with its checkpoint, a few
        // batches behind. Everything sent is committed (or has failed) before this goes on.
        const { pipeline, writer } = pipelined;
        const writes = new RecordedWrites();
        try {
          let batch = 0;
          for await (const page of this.store.readPagesAfter(position, this.batchSize, { metadataFields: projection.metadataFields })) {
            const events = relevant(page);
            const last = page[page.length - 1].position;
            if (events.length) this.decide(pipeline, projection, generation, () => pipeline.apply(events, batch, writes.statement));
            writer.send(writes.take(batch++, position, last));
            position = last;
            await new Promise((resolve) => setImmediate(resolve));
            await writer.settle(MAX_BATCHES_IN_FLIGHT);
            if (this.stopped) break;
          }
          await writer.settle(0);
        } finally {
          await writer.close();
        }
        if (this.stopped || ((await finishIfCaughtUp()) && options.untilCaughtUp)) return;
      } else {
        for await (const page of this.store.readPagesAfter(position, this.batchSize, { metadataFields: projection.metadataFields })) {
          if (await applyBatch(page)) return;
        }
      }
    }

    const subscription = followInBatches(this.store, position, this.batchSize);
    this.subscriptions.add(subscription);
    try {
      for await (const batch of subscription.batches) {
        if (await applyBatch(batch)) return;
        if (this.liveBatchWindowMs > 0 && batch.length < this.batchSize && !options.untilCaughtUp) {
          await new Promise((resolve) => setTimeout(resolve, this.liveBatchWindowMs));
        }
      }
    } finally {
      this.subscriptions.delete(subscription);
      await subscription.close();
    }
  }

  /**
   * Runs a pipeline's `apply`. A generation retired meanwhile (a rebuild elsewhere finished first
   * and dropped its tables) fails as in `applyBatch`, not with what reading a dropped table says.
   */
  private decide(pipeline: ProjectionPipeline, projection: Projection, generation: Generation, apply: () => void): void {
    try {
      apply();
    } catch (error) {
      const status = this.readModels.generations(projection.name).find((g) => g.generation === generation.generation)?.status;
      if (status === undefined || status === 'retired') throw new GenerationRetired(projection.name, generation.generation);
      throw error;
    }
  }

  /** The pipeline and writer of a rebuild whose writes run elsewhere; undefined to apply directly. */
  private pipelineFor(projection: Projection, generation: Generation, t: TableNames): { pipeline: ProjectionPipeline; writer: BatchWriter } | undefined {
    const mode = this.rebuildWrites === 'thread' && !writerThreadAvailable() ? 'direct' : this.rebuildWrites;
    if (mode === 'direct' || !projection.pipeline || this.readModels.path === ':memory:') return undefined;
    const pipeline = projection.pipeline(this.readModels.db, t);
    const settings = { path: this.readModels.path, projection: projection.name, generation: generation.generation };
    const committed = (batch: number) => pipeline.committed(batch);
    const writer = mode === 'thread' ? new ThreadBatchWriter(settings, committed) : new DeferredBatchWriter(settings, committed);
    return { pipeline, writer };
  }
}

/** The distinct correlation ids of a batch's events, the first `MAX_BATCH_CORRELATIONS` of them. */
function correlationsOf(events: readonly RecordedEvent[]): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    const id = (event.metadata as { correlationId?: unknown } | undefined)?.correlationId;
    if (typeof id === 'string') ids.add(id);
    if (ids.size >= MAX_BATCH_CORRELATIONS) break;
  }
  return [...ids];
}

/** The events of a batch that the projection reads, by stream prefix. */
function relevanceOf(projection: Projection): (batch: readonly RecordedEvent[]) => readonly RecordedEvent[] {
  const prefixes = projection.streamPrefixes;
  const reads = prefixes.length === 1 ? (stream: string) => stream.startsWith(prefixes[0]) : (stream: string) => prefixes.some((prefix) => stream.startsWith(prefix));
  return (batch) => {
    let i = 0;
    while (i < batch.length && reads(batch[i].stream)) i++;
    return i === batch.length ? batch : batch.filter((event) => reads(event.stream));
  };
}

/** Whether the live generation of `projection` has applied the log up to `position`. */
export function hasReached(readModels: ReadModelStore, projection: string, position: Position): boolean {
  const live = readModels.live(projection);
  return live?.position !== undefined && comparePositions(live.position, position) >= 0;
}
