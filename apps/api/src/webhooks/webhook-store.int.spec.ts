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
