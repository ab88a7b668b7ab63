import type Database from 'better-sqlite3';

/** The schema's version, in `PRAGMA user_version`; each step below takes a file one version up. */
const VERSION = 2;

/**
 * Creates the tables of a new webhooks.db, or brings an older file up to date, in one immediate
 * transaction (two processes may open one file at once).
 *
 * `queue_heads` holds, for each (webhook, stream) queue with a pending delivery, its oldest
 * pending delivery and when that is due: the dispatcher reads due heads through its index and
 * never walks the deliveries waiting behind them.
 */
export function openSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS webhooks (
      id TEXT PRIMARY KEY, url TEXT NOT NULL, event_types TEXT NOT NULL, secret TEXT NOT NULL,
      status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS outbox_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position TEXT);
    INSERT OR IGNORE INTO outbox_checkpoint VALUES (1, NULL);
    CREATE TABLE IF NOT EXISTS deliveries (
      seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, webhook_id TEXT NOT NULL, event_id TEXT NOT NULL,
      stream TEXT NOT NULL, revision INTEGER NOT NULL, position TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,
      status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT, last_error TEXT,
      created_at TEXT NOT NULL, delivered_at TEXT,
      UNIQUE (webhook_id, event_id)
    );
    CREATE INDEX IF NOT EXISTS deliveries_queue ON deliveries (webhook_id, stream, status, seq);
    CREATE TABLE IF NOT EXISTS attempts (
      delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, at TEXT NOT NULL, status_code INTEGER, error TEXT,
      duration_ms INTEGER NOT NULL, PRIMARY KEY (delivery_id, attempt)
    );
  `);
  db.transaction(() => {
    if ((db.pragma('user_version', { simple: true }) as number) >= 1) return;
    db.exec(`
      CREATE TABLE queue_heads (
        webhook_id TEXT NOT NULL, stream TEXT NOT NULL, seq INTEGER NOT NULL, next_attempt_at TEXT NOT NULL,
        PRIMARY KEY (webhook_id, stream)
      ) WITHOUT ROWID;
      CREATE INDEX queue_heads_due ON queue_heads (webhook_id, next_attempt_at, seq);
      INSERT INTO queue_heads
        SELECT d.webhook_id, d.stream, d.seq, d.next_attempt_at FROM deliveries d
         WHERE d.seq IN (SELECT min(seq) FROM deliveries WHERE status = 'pending' GROUP BY webhook_id, stream);
      DROP INDEX IF EXISTS deliveries_due;

      ALTER TABLE deliveries ADD COLUMN finished_at TEXT;
      UPDATE deliveries SET finished_at = coalesce(delivered_at, (SELECT max(at) FROM attempts WHERE delivery_id = deliveries.id), created_at)
       WHERE status != 'pending';
      CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE finished_at IS NOT NULL;
      CREATE INDEX deliveries_pending ON deliveries (webhook_id) WHERE status = 'pending';

      ALTER TABLE webhooks ADD COLUMN skipped_while_paused INTEGER NOT NULL DEFAULT 0;
    `);
    db.pragma('user_version = 1');
  }).immediate();
  // Version 2: filters on a ticket's severity and service unit, and what the outbox learnt of each ticket to apply them.
  db.transaction(() => {
    if ((db.pragma('user_version', { simple: true }) as number) >= VERSION) return;
    db.exec(`
      ALTER TABLE webhooks ADD COLUMN filters TEXT;
      CREATE TABLE ticket_facets (stream TEXT PRIMARY KEY, severity TEXT, service_unit_id TEXT) WITHOUT ROWID;
    `);
    db.pragma(`user_version = ${VERSION}`);
  }).immediate();
}
