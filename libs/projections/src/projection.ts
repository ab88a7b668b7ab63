import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@app/event-store';
import type { WriteStatements } from './statements';

/** Maps a projection's logical table names to the physical tables of one generation. */
export type TableNames = (logical: string) => string;

/**
 * A read model built from the log. `apply` runs inside the runner's transaction, together with
 * the checkpoint, so a batch is applied exactly once or not at all.
 */
export interface Projection {
  /** Stable name: `sla-compliance`. */
  readonly name: string;
  /** Bump it when the schema or the apply step changes: the runner rebuilds into new tables. */
  readonly version: number;
  /** Streams whose events the projection reads. */
  readonly streamPrefixes: readonly string[];
  /** The logical names of the tables it owns. */
  readonly tables: readonly string[];
  /**
   * The fields of an event's metadata `apply` reads (`UPCAST_METADATA_FIELDS` when it reads events
   * through `toTicketEvent` only); undefined when it may read any. A catch-up from a store that
   * can pick fields out reads only these; events that come live carry their metadata whole.
   */
  readonly metadataFields?: readonly string[];
  createSchema(db: Database.Database, t: TableNames): void;
  apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames): void;
  /**
   * Optional: `apply` split in two for a rebuild, so that the writes run on another thread while
   * this one reads and decides the next batch. `db` is for reading only.
   */
  pipeline?(db: Database.Database, t: TableNames): ProjectionPipeline;
}

/**
 * A projection's rebuild with its writes on another connection: `apply` decides a batch on this
 * thread, reading the tables through the connection it was made with, and records its writes
 * through `statement`; the runner runs them with the checkpoint, in order, later. Until a batch is
 * `committed`, its writes are not in the tables, so the pipeline keeps what it wrote for every
 * row it may read again until then. A pipeline lives for one catch-up: on any error it is dropped.
 */
export interface ProjectionPipeline {
  apply(events: readonly RecordedEvent[], batch: number, statement: WriteStatements): void;
  /** Batches up to `batch` are in the tables. */
  committed(batch: number): void;
}

/** Physical table name of a logical table in one generation: `sla_clocks__g3`. */
export const tableNamesFor =
  (generation: number): TableNames =>
  (logical: string) => {
    if (!/^[a-z][a-z0-9_]*$/.test(logical)) throw new Error(`bad table name ${logical}`);
    return `${logical}__g${generation}`;
  };
