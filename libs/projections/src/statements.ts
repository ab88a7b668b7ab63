import type Database from 'better-sqlite3';

const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A prepared statement, prepared once per database and SQL text: projections run the same few statements a million times. */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/**
 * A statement a projection writes through: a prepared statement of the connection, or one that
 * records the call for a batch written later on another thread (`batch-writer.ts`).
 */
export interface WriteStatement {
  run(...params: unknown[]): unknown;
}

/** The write statement of an SQL text. */
export type WriteStatements = (sql: string) => WriteStatement;
