import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { comparePositions, formatPosition, parsePosition, type Position, type RecordedEvent } from '@app/event-store';
import { prepared } from '@app/projections';
import { openSchema } from './webhook-store.schema';
import { toDelivery, toWebhook, type Attempt, type AttemptRow, type Delivery, type DeliveryRow, type DeliveryStatus, type Webhook, type WebhookFilters, type WebhookRow, type WebhookStatus } from './webhook-store.rows';

export type { Attempt, Delivery, DeliveryStatus, Webhook, WebhookFilters, WebhookStatus } from './webhook-store.rows';

/** A ticket's severity and service unit as of one of its events. */
type TicketFacets = { severity: string | null; serviceUnitId: string | null };

const TICKET_PREFIX = 'ticket-';

/** A webhook that takes deliveries (active or paused), with the event types it wants. */
interface OutboxHook {
  readonly id: string;
  readonly types: readonly string[];
  readonly filters: WebhookFilters | null;
  readonly paused: boolean;
}

/** Whether a hook with `filters` takes an event of a ticket with `facets` (undefined: not a ticket's event). */
function matches(filters: WebhookFilters | null, facets: TicketFacets | undefined): boolean {
  if (!filters) return true;
  if (!facets) return false;
  if (filters.severity !== undefined && facets.severity !== filters.severity) return false;
  if (filters.serviceUnitId !== undefined && facets.serviceUnitId !== filters.serviceUnitId) return false;
  return true;
}

/**
 * The pending deliveries a paused webhook may hold. A paused webhook keeps queueing, so that it
 * gets every event on resume, up to this many; past it the events are not queued for it and are
 * counted in `skippedWhilePaused`, so that a webhook paused and forgotten cannot fill the disk.
 */
export const PAUSED_QUEUE_LIMIT = 10_000;

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

  private readonly pausedQueueLimit: number;

  constructor(path: string, options: { pausedQueueLimit?: number } = {}) {
    this.pausedQueueLimit = options.pausedQueueLimit ?? PAUSED_QUEUE_LIMIT;
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // It holds the webhooks' signing secrets: readable by the server's user only.
    chmodSync(path, 0o600);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    openSchema(this.db);
    // Which event store the outbox checkpoint is a position of (see `matchStore`).
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox_source (id INTEGER PRIMARY KEY CHECK (id = 1), store_identity TEXT);
      INSERT OR IGNORE INTO outbox_source VALUES (1, NULL);
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
  register(webhook: { id: string; url: string; eventTypes: string[]; secret: string; filters?: WebhookFilters }, now: string): Webhook {
    const unsaved = this.unsaved;
    this.db.transaction(() => {
      if (unsaved) this.writeCheckpoint(unsaved.position);
      this.db
        .prepare('INSERT INTO webhooks (id, url, event_types, secret, status, created_at, updated_at, filters) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(webhook.id, webhook.url, JSON.stringify(webhook.eventTypes), webhook.secret, 'active', now, now, webhook.filters ? JSON.stringify(webhook.filters) : null);
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

  /**
   * Makes sure the outbox checkpoint is a position of the store it will follow. `identity` is that
   * store's (see `identifyStore`; undefined while it is empty), `head` the head of its log, read
   * after the checkpoint was. A checkpoint taken from another store, or past the head (the store
   * was restored to an earlier state), would skip or misplace events: the outbox starts again at
   * the head, as a new outbox does (webhooks get what comes after now). Deliveries already queued
   * are kept: they are the log of what was sent. A file that recorded no identity adopts this one.
   */
  matchStore(identity: string | undefined, head: Position | undefined): 'kept' | 'adopted' | 'reset' {
    const checkpoint = this.checkpoint();
    return this.db
      .transaction((): 'kept' | 'adopted' | 'reset' => {
        const row = this.db.prepare('SELECT store_identity FROM outbox_source WHERE id = 1').get() as { store_identity: string | null };
        const recorded = row.store_identity ?? undefined;
        const otherStore = recorded !== undefined && identity !== undefined && recorded !== identity;
        const pastHead = checkpoint !== undefined && (head === undefined || comparePositions(checkpoint, head) > 0);
        if (otherStore || pastHead) {
          this.unsaved = undefined;
          prepared(this.db, 'UPDATE outbox_checkpoint SET position = ? WHERE id = 1').run(head === undefined ? null : formatPosition(head));
          this.db.prepare('UPDATE outbox_source SET store_identity = ? WHERE id = 1').run(identity ?? null);
          return 'reset';
        }
        if (recorded === undefined && identity !== undefined) {
          this.db.prepare('UPDATE outbox_source SET store_identity = ? WHERE id = 1').run(identity);
          return 'adopted';
        }
        return 'kept';
      })
      .immediate();
  }

  /** Sets the checkpoint of a new outbox (only when it has none). */
  startAt(position: Position): void {
    this.db.prepare('UPDATE outbox_checkpoint SET position = ? WHERE id = 1 AND position IS NULL').run(formatPosition(position));
  }

  /**
   * Queues the batch for every webhook (active or paused) that wants each event, and moves the
   * checkpoint, in one transaction. A delivery that opens its (webhook, stream) queue becomes its head.
   */
  enqueue(events: readonly RecordedEvent[], last: Position, makeId: () => string, now: string): number {
    const hooks = this.outboxHooks();
    const facets = this.ticketFacets(events);
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
        const openQueue = prepared(this.db, 'INSERT OR IGNORE INTO queue_heads (webhook_id, stream, seq, next_attempt_at) VALUES (?, ?, ?, ?)');
        const pendingOf = prepared(this.db, "SELECT count(*) AS n FROM deliveries WHERE webhook_id = ? AND status = 'pending'");
        /** Room left in each paused webhook's queue, counted when first needed. */
        const room = new Map<string, number>();
        const skipped = new Map<string, number>();
        let queued = 0;
        for (const [i, event] of events.entries()) {
          for (const hook of hooks) {
            const types = hook.types;
            if (!types.includes('*') && !types.includes(event.type)) continue;
            if (!matches(hook.filters, facets[i])) continue;
            if (hook.paused) {
              const left = room.get(hook.id) ?? this.pausedQueueLimit - (pendingOf.get(hook.id) as { n: number }).n;
              if (left <= 0) {
                room.set(hook.id, 0);
                skipped.set(hook.id, (skipped.get(hook.id) ?? 0) + 1);
                continue;
              }
              room.set(hook.id, left - 1);
            }
            const id = makeId();
            const body = JSON.stringify({
              deliveryId: id,
              webhookId: hook.id,
              event: { id: event.id, type: event.type, stream: event.stream, revision: event.revision, position: formatPosition(event.position), data: event.data, recordedAt: event.recordedAt },
            });
            const inserted = insert.run(id, hook.id, event.id, event.stream, event.revision, formatPosition(event.position), event.type, body, now, now);
            if (inserted.changes === 0) continue;
            openQueue.run(hook.id, event.stream, inserted.lastInsertRowid, now);
            queued++;
          }
        }
        const countSkipped = prepared(this.db, 'UPDATE webhooks SET skipped_while_paused = skipped_while_paused + ? WHERE id = ?');
        for (const [hookId, n] of skipped) countSkipped.run(n, hookId);
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
      const rows = prepared(this.db, "SELECT id, event_types, filters, status FROM webhooks WHERE status IN ('active', 'paused')").all() as Array<{ id: string; event_types: string; filters: string | null; status: WebhookStatus }>;
      this.hooks = {
        dataVersion,
        hooks: rows.map((row) => ({ id: row.id, types: JSON.parse(row.event_types) as string[], filters: row.filters ? (JSON.parse(row.filters) as WebhookFilters) : null, paused: row.status === 'paused' })),
      };
    }
    return this.hooks.hooks;
  }

  /**
   * Each ticket event's ticket as of that event (its severity and service unit), in the order of
   * `events`; undefined for the events of other streams. What the events change is written, so a
   * later batch (or a restart) knows the tickets reported before it; reading a batch again writes
   * the same values again.
   */
  private ticketFacets(events: readonly RecordedEvent[]): Array<TicketFacets | undefined> {
    const known = new Map<string, TicketFacets>();
    const changed = new Map<string, TicketFacets>();
    const read = prepared(this.db, 'SELECT severity, service_unit_id AS serviceUnitId FROM ticket_facets WHERE stream = ?');
    const found = events.map((event) => {
      if (!event.stream.startsWith(TICKET_PREFIX)) return undefined;
      let current = known.get(event.stream) ?? (read.get(event.stream) as TicketFacets | undefined) ?? { severity: null, serviceUnitId: null };
      const data = event.data as Record<string, unknown>;
      if (event.type === 'TicketReported') current = { severity: String(data['severity']), serviceUnitId: typeof data['serviceUnitId'] === 'string' ? data['serviceUnitId'] : null };
      else if (event.type === 'TicketReprioritized') current = { ...current, severity: String(data['to']) };
      else if (event.type === 'TicketAssigned') current = { ...current, serviceUnitId: String(data['serviceUnitId']) };
      if (current !== known.get(event.stream) && ['TicketReported', 'TicketReprioritized', 'TicketAssigned'].includes(event.type)) changed.set(event.stream, current);
      known.set(event.stream, current);
      return current;
    });
    if (changed.size > 0) {
      const write = prepared(this.db, 'INSERT INTO ticket_facets (stream, severity, service_unit_id) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET severity = excluded.severity, service_unit_id = excluded.service_unit_id');
      this.db.transaction(() => {
        for (const [stream, facets] of changed) write.run(stream, facets.severity, facets.serviceUnitId);
      })();
    }
    return found;
  }

  private saveCheckpoint(): void {
    if (!this.unsaved) return;
    this.writeCheckpoint(this.unsaved.position);
    this.unsaved = undefined;
  }

  private writeCheckpoint(position: Position): void {
    prepared(this.db, 'UPDATE outbox_checkpoint SET position = ? WHERE id = 1').run(formatPosition(position));
  }

  /** Deliveries waiting to be sent, retries included: the queue's depth. */
  pendingCount(): number {
    return (prepared(this.db, "SELECT count(*) AS n FROM deliveries WHERE status = 'pending'").get() as { n: number }).n;
  }

  /**
   * Pending deliveries due now that head their (webhook, stream) queue, soonest due first: one at
   * a time per ticket. Read through the queue heads' index, at most `limit` per active webhook,
   * whatever waits behind the heads.
   */
  due(now: string, limit: number): Delivery[] {
    const active = prepared(this.db, "SELECT id FROM webhooks WHERE status = 'active'").pluck().all() as string[];
    const headsOf = prepared(this.db, 'SELECT seq, next_attempt_at FROM queue_heads WHERE webhook_id = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?');
    const heads = active
      .flatMap((webhookId) => headsOf.all(webhookId, now, limit) as Array<{ seq: number; next_attempt_at: string }>)
      .sort((a, b) => (a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : a.seq - b.seq))
      .slice(0, limit);
    const delivery = prepared(this.db, 'SELECT * FROM deliveries WHERE seq = ?');
    return heads.map((head) => toDelivery(delivery.get(head.seq) as DeliveryRow));
  }

  /**
   * Records an attempt. A delivered or dead delivery leaves its queue, and the next pending one
   * (if any) becomes the head; a failed one stays the head, due again at `retryAt`.
   */
  recordAttempt(delivery: Delivery, outcome: { ok: boolean; statusCode: number | null; error: string | null; durationMs: number }, next: { at: string; dead: boolean; retryAt: string }): void {
    this.db
      .transaction(() => {
        const attempt = delivery.attempts + 1;
        prepared(this.db, 'INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?)').run(delivery.id, attempt, next.at, outcome.statusCode, outcome.error, outcome.durationMs);
        if (!outcome.ok && !next.dead) {
          prepared(this.db, "UPDATE deliveries SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?").run(attempt, next.retryAt, outcome.error, delivery.id);
          prepared(this.db, 'UPDATE queue_heads SET next_attempt_at = ? WHERE webhook_id = ? AND stream = ? AND seq = (SELECT seq FROM deliveries WHERE id = ?)').run(
            next.retryAt,
            delivery.webhookId,
            delivery.stream,
            delivery.id,
          );
          return;
        }
        if (outcome.ok) {
          prepared(this.db, "UPDATE deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, finished_at = ?, next_attempt_at = NULL, last_error = NULL WHERE id = ?").run(
            attempt,
            next.at,
            next.at,
            delivery.id,
          );
        } else {
          prepared(this.db, "UPDATE deliveries SET status = 'dead', attempts = ?, finished_at = ?, next_attempt_at = NULL, last_error = ? WHERE id = ?").run(attempt, next.at, outcome.error, delivery.id);
        }
        this.advanceQueue(delivery.webhookId, delivery.stream);
      })
      .immediate();
  }

  /** The queue's oldest pending delivery becomes its head; a queue with none has no head. */
  private advanceQueue(webhookId: string, stream: string): void {
    prepared(this.db, 'DELETE FROM queue_heads WHERE webhook_id = ? AND stream = ?').run(webhookId, stream);
    const next = prepared(this.db, "SELECT seq, next_attempt_at FROM deliveries WHERE webhook_id = ? AND stream = ? AND status = 'pending' ORDER BY seq LIMIT 1").get(webhookId, stream) as
      | { seq: number; next_attempt_at: string }
      | undefined;
    if (next) prepared(this.db, 'INSERT INTO queue_heads (webhook_id, stream, seq, next_attempt_at) VALUES (?, ?, ?, ?)').run(webhookId, stream, next.seq, next.next_attempt_at);
  }

  /**
   * Removes up to `limit` delivered and dead deliveries (with their attempts) that finished more
   * than `retentionDays` before `now`, oldest first; answers how many. Pending ones are never removed.
   */
  prune(now: string, retentionDays: number, limit: number): number {
    const before = new Date(Date.parse(now) - retentionDays * 86_400_000).toISOString();
    return this.db
      .transaction(() => {
        const rows = prepared(this.db, 'SELECT seq, id FROM deliveries WHERE finished_at < ? ORDER BY finished_at LIMIT ?').all(before, limit) as Array<{ seq: number; id: string }>;
        const attempts = prepared(this.db, 'DELETE FROM attempts WHERE delivery_id = ?');
        const delivery = prepared(this.db, 'DELETE FROM deliveries WHERE seq = ?');
        for (const row of rows) {
          attempts.run(row.id);
          delivery.run(row.seq);
        }
        return rows.length;
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
