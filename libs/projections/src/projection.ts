import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@app/event-store';

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
  createSchema(db: Database.Database, t: TableNames): void;
  apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames): void;
}

/** Physical table name of a logical table in one generation: `sla_clocks__g3`. */
export const tableNamesFor =
  (generation: number): TableNames =>
  (logical: string) => {
    if (!/^[a-z][a-z0-9_]*$/.test(logical)) throw new Error(`bad table name ${logical}`);
    return `${logical}__g${generation}`;
  };
