import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatPosition, parsePosition, type Position, type RecordedEvent } from '@app/event-store';
import { prepared } from '@app/projections';

export type WebhookStatus = 'active' | 'paused' | 'deleted';
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: string[];
  readonly status: WebhookStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Delivery {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: string;
  readonly type: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly deliveredAt: string | null;
  readonly body: string;
}

export interface Attempt {
  readonly attempt: number;
  readonly at: string;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/** A webhook that takes deliveries (active or paused), with the event types it wants. */
interface OutboxHook {
  readonly id: string;
  readonly types: readonly string[];
}

/**
 * While no webhook takes deliveries, the outbox checkpoint moves in memory and is written once
 * every this many batches, at a registration and at close: there is nothing to deliver, so a
 * crash that loses the last moves only makes the outbox read those events again and queue nothing.
 */
const IDLE_CHECKPOINT_BATCHES = 256;

/**
 * Webhooks, their outbox checkpoint and their deliveries, in `<DATA_DIR>/webhooks.db`. Not a read
 * model: registrations and the delivery log are not derived from the event log and are never
 * rebuilt. Deliveries are created in the same transaction that moves the outbox checkpoint, so a
 * restart neither loses nor repeats an event.
 */
export class WebhookStore {
  readonly db: Database.Database;
  /** The webhooks that take deliveries, as last read, and the file's data_version then. */
  private hooks: { dataVersion: number; hooks: readonly OutboxHook[] } | undefined;
  /** The outbox checkpoint moved while no webhook took deliveries, not written yet, and the batches since it was. */
  private unsaved: { position: Position; batches: number } | undefined;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // It holds the webhooks' signing secrets: readable by the server's user only.
    chmodSync(path, 0o600);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
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
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
      CREATE INDEX IF NOT EXISTS deliveries_queue ON deliveries (webhook_id, stream, status, seq);
      CREATE TABLE IF NOT EXISTS attempts (
        delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, at TEXT NOT NULL, status_code INTEGER, error TEXT,
        duration_ms INTEGER NOT NULL, PRIMARY KEY (delivery_id, attempt)
      );
    `);
  }

  close(): void {
    if (!this.db.open) return;
    this.saveCheckpoint();
    this.db.close();
  }

  /**
   * A webhook gets the events the outbox reads after it is registered: the checkpoint the outbox
   * reached without webhooks is written with it, so a restart does not queue earlier events for it.
   */
  register(webhook: { id: string; url: string; eventTypes: string[]; secret: string }, now: string): Webhook {
    const unsaved = this.unsaved;
    this.db.transaction(() => {
      if (unsaved) this.writeCheckpoint(unsaved.position);
      this.db
        .prepare('INSERT INTO webhooks VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(webhook.id, webhook.url, JSON.stringify(webhook.eventTypes), webhook.secret, 'active', now, now);
    })();
    // Written: forgotten only once the transaction has committed.
    this.unsaved = undefined;
    this.hooks = undefined;
    return this.get(webhook.id)!;
  }

  list(): Webhook[] {
    return (this.db.prepare("SELECT * FROM webhooks WHERE status != 'deleted' ORDER BY created_at, id").all() as WebhookRow[]).map(toWebhook);
  }

  get(id: string): Webhook | undefined {
    const row = this.db.prepare("SELECT * FROM webhooks WHERE id = ? AND status != 'deleted'").get(id) as WebhookRow | undefined;
    return row ? toWebhook(row) : undefined;
  }

  secretOf(id: string): string | undefined {
    return (this.db.prepare('SELECT secret FROM webhooks WHERE id = ?').get(id) as { secret: string } | undefined)?.secret;
  }

  setStatus(id: string, status: WebhookStatus, now: string): boolean {
    this.hooks = undefined;
    return this.db.prepare("UPDATE webhooks SET status = ?, updated_at = ? WHERE id = ? AND status != 'deleted'").run(status, now, id).changes > 0;
  }

  checkpoint(): Position | undefined {
    if (this.unsaved) return this.unsaved.position;
    const row = this.db.prepare('SELECT position FROM outbox_checkpoint WHERE id = 1').get() as { position: string | null };
    return row.position === null ? undefined : parsePosition(row.position);
  }

  /** Sets the checkpoint of a new outbox (only when it has none). */
  startAt(position: Position): void {
    this.db.prepare('UPDATE outbox_checkpoint SET position = ? WHERE id = 1 AND position IS NULL').run(formatPosition(position));
  }

  /** Queues the batch for every webhook (active or paused) that wants each event, and moves the checkpoint, in one transaction. */
  enqueue(events: readonly RecordedEvent[], last: Position, makeId: () => string, now: string): number {
    const hooks = this.outboxHooks();
    if (hooks.length === 0) {
      // Nothing to queue: the checkpoint moves in memory (see IDLE_CHECKPOINT_BATCHES).
      this.unsaved = { position: last, batches: (this.unsaved?.batches ?? 0) + 1 };
      if (this.unsaved.batches >= IDLE_CHECKPOINT_BATCHES) this.saveCheckpoint();
      return 0;
    }
    const queued = this.db
      .transaction(() => {
        const insert = prepared(
          this.db,
          `INSERT OR IGNORE INTO deliveries (id, webhook_id, event_id, stream, revision, position, type, body, status, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
        );
        let queued = 0;
        for (const event of events) {
          for (const hook of hooks) {
            const types = hook.types;
            if (!types.includes('*') && !types.includes(event.type)) continue;
            const id = makeId();
            const body = JSON.stringify({
              deliveryId: id,
              webhookId: hook.id,
              event: { id: event.id, type: event.type, stream: event.stream, revision: event.revision, position: formatPosition(event.position), data: event.data, recordedAt: event.recordedAt },
            });
            queued += insert.run(id, hook.id, event.id, event.stream, event.revision, formatPosition(event.position), event.type, body, now, now).changes;
          }
        }
        this.writeCheckpoint(last);
        return queued;
      })
      .immediate();
    this.unsaved = undefined;
    return queued;
  }

  /** The webhooks that take deliveries; read again when this connection or another changed the file. */
  private outboxHooks(): readonly OutboxHook[] {
    const dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    if (this.hooks?.dataVersion !== dataVersion) {
      const rows = prepared(this.db, "SELECT id, event_types FROM webhooks WHERE status IN ('active', 'paused')").all() as Array<{ id: string; event_types: string }>;
      this.hooks = { dataVersion, hooks: rows.map((row) => ({ id: row.id, types: JSON.parse(row.event_types) as string[] })) };
    }
    return this.hooks.hooks;
  }

  private saveCheckpoint(): void {
    if (!this.unsaved) return;
    this.writeCheckpoint(this.unsaved.position);
    this.unsaved = undefined;
  }

  private writeCheckpoint(position: Position): void {
    prepared(this.db, 'UPDATE outbox_checkpoint SET position = ? WHERE id = 1').run(formatPosition(position));
  }

  /** Pending deliveries due now that head their (webhook, stream) queue, oldest first: one at a time per ticket. */
  due(now: string, limit: number): Delivery[] {
    return (
      this.db
        .prepare(
          `SELECT d.* FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.status = 'active'
            WHERE d.status = 'pending' AND d.next_attempt_at <= @now
              AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.webhook_id = d.webhook_id AND e.stream = d.stream
                                AND e.status = 'pending' AND e.seq < d.seq)
            ORDER BY d.seq LIMIT @limit`,
        )
        .all({ now, limit }) as DeliveryRow[]
    ).map(toDelivery);
  }

  recordAttempt(delivery: Delivery, outcome: { ok: boolean; statusCode: number | null; error: string | null; durationMs: number }, next: { at: string; dead: boolean; retryAt: string }): void {
    this.db
      .transaction(() => {
        const attempt = delivery.attempts + 1;
        this.db
          .prepare('INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?)')
          .run(delivery.id, attempt, next.at, outcome.statusCode, outcome.error, outcome.durationMs);
        if (outcome.ok) {
          this.db.prepare("UPDATE deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, next_attempt_at = NULL, last_error = NULL WHERE id = ?").run(attempt, next.at, delivery.id);
        } else {
          this.db
            .prepare('UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?')
            .run(next.dead ? 'dead' : 'pending', attempt, next.dead ? null : next.retryAt, outcome.error, delivery.id);
        }
      })
      .immediate();
  }

  deliveries(webhookId: string, filter: { status?: DeliveryStatus; limit: number; offset: number }): { total: number; items: Array<Omit<Delivery, 'body'> & { attemptLog: Attempt[] }> } {
    const where = `WHERE webhook_id = @webhookId${filter.status ? ' AND status = @status' : ''}`;
    const params = { webhookId, status: filter.status, limit: filter.limit, offset: filter.offset };
    const total = (this.db.prepare(`SELECT count(*) AS n FROM deliveries ${where}`).get(params) as { n: number }).n;
    const rows = (this.db.prepare(`SELECT * FROM deliveries ${where} ORDER BY seq LIMIT @limit OFFSET @offset`).all(params) as DeliveryRow[]).map(toDelivery);
    const attempts = this.db.prepare('SELECT * FROM attempts WHERE delivery_id = ? ORDER BY attempt');
    return {
      total,
      items: rows.map(({ body: _body, ...delivery }) => ({
        ...delivery,
        attemptLog: (attempts.all(delivery.id) as AttemptRow[]).map((a) => ({
          attempt: a.attempt,
          at: a.at,
          statusCode: a.status_code,
          error: a.error,
          durationMs: a.duration_ms,
        })),
      })),
    };
  }
}

interface WebhookRow {
  id: string;
  url: string;
  event_types: string;
  status: WebhookStatus;
  created_at: string;
  updated_at: string;
}
interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  stream: string;
  revision: number;
  position: string;
  type: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}
interface AttemptRow {
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

function toWebhook(row: WebhookRow): Webhook {
  return { id: row.id, url: row.url, eventTypes: JSON.parse(row.event_types), status: row.status, createdAt: row.created_at, updatedAt: row.updated_at };
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
    body: row.body,
  };
}
