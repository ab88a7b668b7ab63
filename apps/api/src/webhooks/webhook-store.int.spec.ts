import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { positionOf, type RecordedEvent } from '@app/event-store';
import { WebhookStore } from './webhook-store';

const NOW = '2026-11-26T00:00:00.000Z';

function event(position: number, type = 'TicketReported'): RecordedEvent {
  return { id: randomUUID(), stream: `ticket-${position}`, revision: 0, position: positionOf(position), type, data: { n: position }, metadata: {}, recordedAt: NOW };
}

describe('WebhookStore outbox', () => {
  let dir: string;
  let path: string;
  let store: WebhookStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'webhooks-'));
    path = join(dir, 'webhooks.db');
    store = new WebhookStore(path);
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The checkpoint as a fresh connection reads it from the file: what a restart resumes from. */
  const stored = () => {
    const reader = new WebhookStore(path);
    try {
      return reader.checkpoint()?.commit;
    } finally {
      reader.db.close();
    }
  };

  it('moves the checkpoint in memory while no webhook takes deliveries, and writes it at a registration', () => {
    store.startAt(positionOf(0));
    for (let p = 1; p <= 10; p++) expect(store.enqueue([event(p)], positionOf(p), randomUUID, NOW)).toBe(0);
    expect(store.checkpoint()?.commit).toBe(10n);
    expect(stored()).toBe(0n);
    store.register({ id: 'hook-1', url: 'http://127.0.0.1:1/', eventTypes: ['*'], secret: 's' }, NOW);
    expect(stored()).toBe(10n);
    // From now on every batch is queued with its checkpoint in one transaction.
    expect(store.enqueue([event(11), event(12)], positionOf(12), randomUUID, NOW)).toBe(2);
    expect(stored()).toBe(12n);
    expect(store.due(NOW, 10).map((d) => d.position)).toEqual(['11', '12']);
  });

  it('writes the idle checkpoint every 256 batches and at close', () => {
    store.startAt(positionOf(0));
    for (let p = 1; p <= 256; p++) store.enqueue([event(p)], positionOf(p), randomUUID, NOW);
    expect(stored()).toBe(256n);
    store.enqueue([event(257)], positionOf(257), randomUUID, NOW);
    expect(stored()).toBe(256n);
    store.close();
    expect(stored()).toBe(257n);
  });

  it('queues for a webhook another connection registered, and stops queueing for one deleted here', () => {
    store.startAt(positionOf(0));
    store.enqueue([event(1)], positionOf(1), randomUUID, NOW);
    const other = new WebhookStore(path);
    other.register({ id: 'hook-2', url: 'http://127.0.0.1:1/', eventTypes: ['SlaBreached'], secret: 's' }, NOW);
    other.db.close();
    expect(store.enqueue([event(2), event(3, 'SlaBreached')], positionOf(3), randomUUID, NOW)).toBe(1);
    expect(store.setStatus('hook-2', 'deleted', NOW)).toBe(true);
    expect(store.enqueue([event(4, 'SlaBreached')], positionOf(4), randomUUID, NOW)).toBe(0);
    expect(store.checkpoint()?.commit).toBe(4n);
  });
});

describe('WebhookStore queues', () => {
  let dir: string;
  let path: string;
  let store: WebhookStore;
  const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();
  const failed = { ok: false, statusCode: 503, error: 'answered 503', durationMs: 1 };
  const delivered = { ok: true, statusCode: 204, error: null, durationMs: 1 };
  const streamEvent = (position: number, stream: string): RecordedEvent => ({ ...event(position), stream });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'webhooks-'));
    path = join(dir, 'webhooks.db');
  });

  afterEach(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `streams` tickets with `perStream` events each, queued for every registered webhook, in batches of 500. */
  function fill(streams: number, perStream: number): void {
    const all: RecordedEvent[] = [];
    for (let r = 0; r < perStream; r++) for (let s = 0; s < streams; s++) all.push(streamEvent(all.length + 1, `ticket-${s}`));
    for (let i = 0; i < all.length; i += 500) {
      const batch = all.slice(i, i + 500);
      store.enqueue(batch, batch[batch.length - 1].position, randomUUID, NOW);
    }
  }

  it('finds the due heads through the index of queue heads, with thousands of pending deliveries behind retrying heads', () => {
    store = new WebhookStore(path);
    store.startAt(positionOf(0));
    store.register({ id: 'hook-a', url: 'https://a.example/', eventTypes: ['*'], secret: 's' }, NOW);
    store.register({ id: 'hook-b', url: 'https://b.example/', eventTypes: ['*'], secret: 's' }, NOW);
    const STREAMS = 400;
    fill(STREAMS, 30); // 24,000 pending deliveries, 800 queues
    store.setStatus('hook-b', 'paused', NOW);

    // Every queue's first event heads it, due at once; the paused webhook's queues wait.
    const heads = store.due(NOW, 100_000);
    expect(heads).toHaveLength(STREAMS);
    expect(new Set(heads.map((d) => d.webhookId))).toEqual(new Set(['hook-a']));
    expect(heads.every((d) => d.position === String(Number(d.stream.slice(7)) + 1))).toBe(true);

    // Every head fails: odd tickets retry in 10 minutes, even ones in an hour; ticket-1's head is then delivered.
    for (const head of heads) {
      const stream = Number(head.stream.slice(7));
      store.recordAttempt(head, failed, { at: NOW, dead: false, retryAt: at(stream % 2 === 1 ? 10 : 60) });
    }
    expect(store.due(NOW, 100_000)).toEqual([]);
    const [ticket1] = store.due(at(10), 100_000).filter((d) => d.stream === 'ticket-1');
    store.recordAttempt({ ...ticket1, attempts: 1 }, delivered, { at: at(10), dead: false, retryAt: at(20) });

    const due = store.due(at(30), 100_000);
    // ticket-1's second event (queued at NOW) comes first; then the odd tickets' retries, in queue order.
    expect(due[0]).toMatchObject({ stream: 'ticket-1', revision: 0, position: String(STREAMS + 2), attempts: 0 });
    expect(due.slice(1).map((d) => d.stream)).toEqual(Array.from({ length: STREAMS / 2 - 1 }, (_, i) => `ticket-${2 * i + 3}`));
    expect(due.slice(1).every((d) => d.attempts === 1 && d.nextAttemptAt === at(10))).toBe(true);
    expect(store.due(at(30), 7)).toEqual(due.slice(0, 7));
    // A dead head leaves its queue too; at 60 minutes every queue has a due head again.
    const [ticket2] = store.due(at(60), 100_000).filter((d) => d.stream === 'ticket-2');
    store.recordAttempt({ ...ticket2, attempts: 1 }, failed, { at: at(60), dead: true, retryAt: at(120) });
    const later = store.due(at(60), 100_000);
    expect(later).toHaveLength(STREAMS);
    expect(later.find((d) => d.stream === 'ticket-2')).toMatchObject({ attempts: 0, position: String(STREAMS + 3) });

    // The paused webhook's queues come back on resume.
    store.setStatus('hook-b', 'active', at(60));
    expect(store.due(at(60), 100_000).filter((d) => d.webhookId === 'hook-b')).toHaveLength(STREAMS);
  });

  it('reads no delivery waiting behind a head: every statement of due() reads deliveries by key only', () => {
    store = new WebhookStore(path);
    store.startAt(positionOf(0));
    store.register({ id: 'hook-a', url: 'https://a.example/', eventTypes: ['*'], secret: 's' }, NOW);
    fill(50, 20);
    for (const head of store.due(NOW, 1000)) store.recordAttempt(head, failed, { at: NOW, dead: false, retryAt: at(5) });
    store.close();

    // A fresh connection, so that due() prepares its statements where they are recorded.
    store = new WebhookStore(path);
    const executed: Array<{ sql: string; args: unknown[] }> = [];
    const prepare = store.db.prepare.bind(store.db);
    (store.db as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
      const statement = prepare(sql);
      for (const method of ['all', 'get', 'iterate'] as const) {
        const original = statement[method].bind(statement) as (...args: unknown[]) => unknown;
        (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
          executed.push({ sql, args });
          return original(...args);
        };
      }
      return statement;
    };
    expect(store.due(at(5), 16)).toHaveLength(16);
    const steps = [...new Set(executed.map(({ sql, args }) => (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((row) => row.detail)).flat())];
    expect(steps.length).toBeGreaterThan(0);
    const allowed = [/^SCAN webhooks$/, /^SEARCH webhooks USING /, /^SEARCH queue_heads USING (COVERING )?INDEX queue_heads_due \(webhook_id=\? AND next_attempt_at<\?\)$/, /^SEARCH deliveries USING INTEGER PRIMARY KEY \(rowid=\?\)$/];
    expect(steps.filter((step) => !allowed.some((pattern) => pattern.test(step)))).toEqual([]);
  });

  it('queues for a paused webhook up to its limit and counts what it skips past it', () => {
    store = new WebhookStore(path, { pausedQueueLimit: 5 });
    store.startAt(positionOf(0));
    store.register({ id: 'hook-a', url: 'https://a.example/', eventTypes: ['*'], secret: 's' }, NOW);
    store.register({ id: 'hook-b', url: 'https://b.example/', eventTypes: ['*'], secret: 's' }, NOW);
    store.setStatus('hook-b', 'paused', NOW);
    expect(store.enqueue([1, 2, 3].map((p) => event(p)), positionOf(3), randomUUID, NOW)).toBe(6);
    expect(store.enqueue([4, 5, 6, 7, 8].map((p) => event(p)), positionOf(8), randomUUID, NOW)).toBe(5 + 2);
    const pending = (id: string) => store.deliveries(id, { status: 'pending', limit: 100, offset: 0 }).total;
    expect([pending('hook-a'), pending('hook-b')]).toEqual([8, 5]);
    expect(store.get('hook-b')?.skippedWhilePaused).toBe(3);
    expect(store.get('hook-a')?.skippedWhilePaused).toBe(0);
    // Active again: no limit (its deliveries are being sent).
    store.setStatus('hook-b', 'active', NOW);
    expect(store.enqueue([9, 10].map((p) => event(p)), positionOf(10), randomUUID, NOW)).toBe(4);
    expect(pending('hook-b')).toBe(7);
  });

  it('prunes delivered and dead deliveries, with their attempts, that finished before the retention cut-off', () => {
    store = new WebhookStore(path);
    store.startAt(positionOf(0));
    store.register({ id: 'hook-a', url: 'https://a.example/', eventTypes: ['*'], secret: 's' }, NOW);
    store.enqueue([1, 2, 3, 4, 5].map((p) => event(p)), positionOf(5), randomUUID, NOW);
    const [d1, d2, d3, d4] = store.due(NOW, 10).sort((a, b) => Number(a.position) - Number(b.position));
    const day = (n: number) => new Date(Date.parse(NOW) + n * 86_400_000).toISOString();
    store.recordAttempt(d1, delivered, { at: day(1), dead: false, retryAt: day(2) });
    store.recordAttempt(d2, failed, { at: day(1), dead: false, retryAt: day(2) });
    store.recordAttempt({ ...d2, attempts: 1 }, failed, { at: day(3), dead: true, retryAt: day(4) });
    store.recordAttempt(d3, delivered, { at: day(20), dead: false, retryAt: day(21) });
    store.recordAttempt(d4, failed, { at: day(1), dead: false, retryAt: day(2) });
    const attemptsOf = (id: string) => (store.db.prepare('SELECT count(*) AS n FROM attempts WHERE delivery_id = ?').get(id) as { n: number }).n;

    // The clock at day 32 with 30 days of retention: d1 (delivered on day 1) goes.
    expect(store.prune(day(32), 30, 1000)).toBe(1);
    // At day 34, d2 (dead on day 3) too, a page of one at a time; d3 (day 20) and the pending stay.
    expect(store.prune(day(34), 30, 1)).toBe(1);
    expect(store.prune(day(34), 30, 1000)).toBe(0);
    const left = store.deliveries('hook-a', { limit: 100, offset: 0 }).items.map((d) => [d.position, d.status]);
    expect(left).toEqual([['3', 'delivered'], ['4', 'pending'], ['5', 'pending']]);
    expect([attemptsOf(d1.id), attemptsOf(d2.id), attemptsOf(d3.id), attemptsOf(d4.id)]).toEqual([0, 0, 1, 1]);
    // d3 goes 30 days after day 20; pending deliveries never do.
    expect(store.prune(day(49), 30, 1000)).toBe(0);
    expect(store.prune(day(51), 30, 1000)).toBe(1);
    expect(store.deliveries('hook-a', { limit: 100, offset: 0 }).items.map((d) => d.status)).toEqual(['pending', 'pending']);
  });

  it('builds the queue heads of a file written before them, and dates its finished deliveries for pruning', () => {
    const old = new Database(path);
    old.exec(`
      CREATE TABLE webhooks (id TEXT PRIMARY KEY, url TEXT NOT NULL, event_types TEXT NOT NULL, secret TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE outbox_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position TEXT);
      INSERT INTO outbox_checkpoint VALUES (1, '4');
      CREATE TABLE deliveries (
        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, webhook_id TEXT NOT NULL, event_id TEXT NOT NULL,
        stream TEXT NOT NULL, revision INTEGER NOT NULL, position TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,
        status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT, last_error TEXT,
        created_at TEXT NOT NULL, delivered_at TEXT, UNIQUE (webhook_id, event_id));
      CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
      CREATE INDEX deliveries_queue ON deliveries (webhook_id, stream, status, seq);
      CREATE TABLE attempts (delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, at TEXT NOT NULL, status_code INTEGER, error TEXT, duration_ms INTEGER NOT NULL, PRIMARY KEY (delivery_id, attempt));
      INSERT INTO webhooks VALUES ('hook-a', 'https://a.example/', '["*"]', 's', 'active', '${NOW}', '${NOW}');
      INSERT INTO deliveries VALUES (1, 'd1', 'hook-a', 'e1', 'ticket-1', 0, '1', 'TicketReported', '{}', 'delivered', 1, NULL, NULL, '${NOW}', '${at(1)}');
      INSERT INTO deliveries VALUES (2, 'd2', 'hook-a', 'e2', 'ticket-2', 0, '2', 'TicketReported', '{}', 'dead', 8, NULL, 'answered 500', '${NOW}', NULL);
      INSERT INTO attempts VALUES ('d2', 8, '${at(90)}', 500, 'answered 500', 3);
      INSERT INTO deliveries VALUES (3, 'd3', 'hook-a', 'e3', 'ticket-1', 1, '3', 'TicketClosed', '{}', 'pending', 2, '${at(5)}', 'answered 503', '${NOW}', NULL);
      INSERT INTO deliveries VALUES (4, 'd4', 'hook-a', 'e4', 'ticket-1', 2, '4', 'TicketReopened', '{}', 'pending', 0, '${NOW}', NULL, '${NOW}', NULL);
    `);
    old.close();
    store = new WebhookStore(path);
    expect(store.due(at(4), 10)).toEqual([]);
    expect(store.due(at(5), 10).map((d) => d.id)).toEqual(['d3']);
    expect(store.prune(at(60), 0, 10)).toBe(1); // d1, delivered at minute 1; d2 died at minute 90
    expect(store.prune(at(91), 0, 10)).toBe(1);
    expect(store.get('hook-a')?.skippedWhilePaused).toBe(0);
  });
});
