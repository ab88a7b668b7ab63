import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { comparePositions, formatPosition, parsePosition, type Position } from '@app/event-store';
import { prepared } from './statements';
import { tableNamesFor, type Projection, type TableNames } from './projection';

export type GenerationStatus = 'live' | 'building' | 'retired';

export interface Generation {
  readonly projection: string;
  readonly generation: number;
  readonly version: number;
  readonly status: GenerationStatus;
  /** The last position applied, or undefined before the first batch. */
  readonly position: Position | undefined;
}

interface GenerationRow {
  projection: string;
  generation: number;
  version: number;
  status: GenerationStatus;
  position: string | null;
}

/**
 * The read-model database: one SQLite file holding every projection's tables and, in the table
 * `projection_generations`, each projection's generations with their checkpoints. A generation is
 * one build of a projection's tables; a rebuild writes a new generation beside the live one and
 * swaps it in when caught up, so queries keep answering.
 */
export class ReadModelStore {
  readonly db: Database.Database;

  private constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // A read model can be rebuilt from the log, and its checkpoint commits with its rows.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS projection_generations (
        projection  TEXT    NOT NULL,
        generation  INTEGER NOT NULL,
        version     INTEGER NOT NULL,
        status      TEXT    NOT NULL CHECK (status IN ('live', 'building', 'retired')),
        position    TEXT,
        updated_at  TEXT    NOT NULL,
        PRIMARY KEY (projection, generation)
      );
      CREATE TABLE IF NOT EXISTS read_model_source (id INTEGER PRIMARY KEY CHECK (id = 1), store_identity TEXT);
      INSERT OR IGNORE INTO read_model_source VALUES (1, NULL);
    `);
  }

  static open(path: string): ReadModelStore {
    return new ReadModelStore(path);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  generations(projection: string): Generation[] {
    return this.db
      .prepare<[string], GenerationRow>('SELECT * FROM projection_generations WHERE projection = ? ORDER BY generation')
      .all(projection)
      .map(toGeneration);
  }

  live(projection: string): Generation | undefined {
    return this.generations(projection).find((g) => g.status === 'live');
  }

  /** The tables queries should read: the live generation's. */
  liveTables(projection: string): TableNames | undefined {
    const live = this.live(projection);
    return live ? tableNamesFor(live.generation) : undefined;
  }

  /** Creates the tables of a new generation; it is live at once when the projection has none. */
  createGeneration(projection: Projection): Generation {
    return this.db
      .transaction(() => {
        const existing = this.generations(projection.name);
        const generation = Math.max(0, ...existing.map((g) => g.generation)) + 1;
        const status: GenerationStatus = existing.some((g) => g.status === 'live') ? 'building' : 'live';
        projection.createSchema(this.db, tableNamesFor(generation));
        this.db
          .prepare('INSERT INTO projection_generations VALUES (?, ?, ?, ?, NULL, ?)')
          .run(projection.name, generation, projection.version, status, new Date().toISOString());
        return { projection: projection.name, generation, version: projection.version, status, position: undefined };
      })
      .immediate();
  }

  /**
   * Applies a batch and moves the checkpoint, in one transaction. The checkpoint must still be
   * `from` (where the batch starts): when another process sharing this file has moved it, the
   * batch is not applied and `CheckpointMoved` tells the runner to resume from the stored one.
   */
  applyBatch(projection: Pick<Projection, 'name'>, generation: number, from: Position | undefined, apply: () => void, position: Position): void {
    this.db
      .transaction(() => {
        const current = prepared(this.db, 'SELECT status, position FROM projection_generations WHERE projection = ? AND generation = ?').get(
          projection.name,
          generation,
        ) as { status: GenerationStatus; position: string | null } | undefined;
        if (!current || current.status === 'retired') throw new GenerationRetired(projection.name, generation);
        const expected = from === undefined ? null : formatPosition(from);
        if (current.position !== expected) throw new CheckpointMoved(projection.name, generation);
        apply();
        prepared(this.db, 'UPDATE projection_generations SET position = ?, updated_at = ? WHERE projection = ? AND generation = ?').run(
          formatPosition(position),
          new Date().toISOString(),
          projection.name,
          generation,
        );
      })
      .immediate();
  }

  /** The identity of the event store the checkpoints were taken from (see `identifyStore`), when recorded. */
  storeIdentity(): string | undefined {
    const row = this.db.prepare('SELECT store_identity FROM read_model_source WHERE id = 1').get() as { store_identity: string | null };
    return row.store_identity ?? undefined;
  }

  /** The furthest checkpoint of any generation, or undefined when none has applied a batch. */
  furthestCheckpoint(): Position | undefined {
    const positions = (this.db.prepare('SELECT position FROM projection_generations WHERE position IS NOT NULL').all() as Array<{ position: string }>)
      .map((row) => parsePosition(row.position))
      .filter((position): position is Position => position !== undefined);
    return positions.reduce<Position | undefined>((furthest, position) => (furthest && comparePositions(furthest, position) >= 0 ? furthest : position), undefined);
  }

  /**
   * Makes sure the checkpoints are offsets into the store they will be used with. `identity` is
   * that store's (undefined while it is empty and names nothing); `head` the head of its log, read
   * after `checkpoint` (the furthest checkpoint then). When the checkpoints were taken from another
   * store, or lie past the head (the store was restored to an earlier state), every generation is
   * retired and its tables dropped, so the projections build again from the start of this store.
   * A file that recorded no identity yet adopts this one. Returns what it did.
   */
  matchStore(
    identity: string | undefined,
    checkpoint: Position | undefined,
    head: Position | undefined,
    projections: readonly Pick<Projection, 'name' | 'tables'>[],
  ): 'kept' | 'adopted' | 'rebuilt' {
    return this.db
      .transaction((): 'kept' | 'adopted' | 'rebuilt' => {
        const recorded = this.storeIdentity();
        const otherStore = recorded !== undefined && identity !== undefined && recorded !== identity;
        // Another runner on this file may have rebuilt since `checkpoint` was read: then the
        // checkpoints now are behind it, and this one has nothing to do.
        const current = this.furthestCheckpoint();
        const stillThere = checkpoint !== undefined && current !== undefined && comparePositions(current, checkpoint) >= 0;
        const pastHead = stillThere && (head === undefined || comparePositions(checkpoint, head) > 0);
        if (otherStore || pastHead) {
          this.retireAll(projections);
          this.db.prepare('UPDATE read_model_source SET store_identity = ? WHERE id = 1').run(identity ?? null);
          return 'rebuilt';
        }
        if (recorded === undefined && identity !== undefined) {
          this.db.prepare('UPDATE read_model_source SET store_identity = ? WHERE id = 1').run(identity);
          return 'adopted';
        }
        return 'kept';
      })
      .immediate();
  }

  private retireAll(projections: readonly Pick<Projection, 'name' | 'tables'>[]): void {
    const now = new Date().toISOString();
    const rows = this.db.prepare("SELECT projection, generation FROM projection_generations WHERE status != 'retired'").all() as Array<{ projection: string; generation: number }>;
    for (const row of rows) {
      const tables = projections.find((p) => p.name === row.projection)?.tables ?? [];
      for (const table of tables) this.db.exec(`DROP TABLE IF EXISTS ${tableNamesFor(row.generation)(table)}`);
      this.db.prepare("UPDATE projection_generations SET status = 'retired', updated_at = ? WHERE projection = ? AND generation = ?").run(now, row.projection, row.generation);
    }
  }

  /** Makes a caught-up generation live, retires the others and drops their tables. */
  promote(projection: Projection, generation: number): void {
    this.db
      .transaction(() => {
        for (const old of this.generations(projection.name)) {
          if (old.generation === generation) continue;
          for (const table of projection.tables) this.db.exec(`DROP TABLE IF EXISTS ${tableNamesFor(old.generation)(table)}`);
          this.db
            .prepare("UPDATE projection_generations SET status = 'retired', updated_at = ? WHERE projection = ? AND generation = ?")
            .run(new Date().toISOString(), projection.name, old.generation);
        }
        this.db
          .prepare("UPDATE projection_generations SET status = 'live', updated_at = ? WHERE projection = ? AND generation = ?")
          .run(new Date().toISOString(), projection.name, generation);
      })
      .immediate();
  }
}

/** Another runner sharing the read-model file applied events first: resume from its checkpoint. */
export class CheckpointMoved extends Error {
  constructor(projection: string, generation: number) {
    super(`${projection} generation ${generation}: the checkpoint was moved by another runner`);
  }
}

/** The generation a runner was building has been replaced (by a rebuild in another process). */
export class GenerationRetired extends Error {
  constructor(projection: string, generation: number) {
    super(`${projection} generation ${generation} was retired`);
  }
}

function toGeneration(row: GenerationRow): Generation {
  return {
    projection: row.projection,
    generation: row.generation,
    version: row.version,
    status: row.status,
    position: row.position === null ? undefined : parsePosition(row.position),
  };
}
