export * from './errors';
export * from './position';
export * from './event-store.port';
export { MAX_EVENT_BYTES } from './append-validation';
export * from './event-store.factory';
export { SqliteEventStore, type SqliteEventStoreOptions, type SqliteSynchronous } from './sqlite/sqlite-event-store';
export * from './audit-chain';
export { backupSqliteFile, holdSqliteFile, inspectBackup, removeHeldSqliteFile, restoreSqliteFile, SqliteFileInUse, type HeldSqliteFile } from './sqlite/sqlite-backup';
