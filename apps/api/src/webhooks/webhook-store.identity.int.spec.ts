import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { positionOf, type RecordedEvent } from '@app/event-store';
import { WebhookStore } from './webhook-store';

const NOW = '2026-11-26T00:00:00.000Z';

function event(position: number): RecordedEvent {
  return { id: randomUUID(), stream: `ticket-${position}`, revision: 0, position: positionOf(position), type: 'TicketReported', data: {}, metadata: {}, recordedAt: NOW };
}

/** The outbox checkpoint is a position of one store's log: on another store it starts again at that store's head. */
describe('WebhookStore outbox on another event store', () => {
  let dir: string;
  let store: WebhookStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'webhooks-identity-'));
    store = new WebhookStore(join(dir, 'webhooks.db'));
    store.register({ id: 'hook-1', url: 'https://a.example/', eventTypes: ['*'], secret: 's' }, NOW);
    store.startAt(positionOf(0));
    store.enqueue([event(1), event(2), event(3)], positionOf(3), randomUUID, NOW);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adopts the first store it is matched with, then keeps its checkpoint for it', () => {
    expect(store.matchStore('store-a', positionOf(3))).toBe('adopted');
    expect(store.matchStore('store-a', positionOf(9))).toBe('kept');
    expect(store.checkpoint()).toEqual(positionOf(3));
  });

  it('another store: the checkpoint moves to its head, whether that is before or after the old one, and the delivery log stays', () => {
    store.matchStore('store-a', positionOf(3));
    expect(store.matchStore('store-b', positionOf(50))).toBe('reset');
    expect(store.checkpoint()).toEqual(positionOf(50));
    expect(store.matchStore('store-b', positionOf(50))).toBe('kept');
    expect(store.matchStore('store-c', positionOf(2))).toBe('reset');
    expect(store.checkpoint()).toEqual(positionOf(2));
    expect(store.deliveries('hook-1', { limit: 10, offset: 0 }).total).toBe(3);
  });

  it('the same store restored to an earlier state (the checkpoint past its head): back to the head, or to a new outbox when it is empty', () => {
    store.matchStore('store-a', positionOf(3));
    expect(store.matchStore('store-a', positionOf(1))).toBe('reset');
    expect(store.checkpoint()).toEqual(positionOf(1));
    expect(store.matchStore(undefined, undefined)).toBe('reset');
    expect(store.checkpoint()).toBeUndefined();
  });
});
