import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { positionOf, type RecordedEvent } from '@app/event-store';
import { WebhookStore } from './webhook-store';

const NOW = '2026-11-26T00:00:00.000Z';
let position = 0;

function event(stream: string, type: string, data: Record<string, unknown> = {}): RecordedEvent {
  position++;
  return { id: randomUUID(), stream, revision: 0, position: positionOf(position), type, data: { at: NOW, ...data }, metadata: {}, recordedAt: NOW };
}

/**
 * Webhook filters on a ticket's severity and service unit: a filtered webhook receives the events
 * of the tickets that match as of each event (a reprioritization or an assignment moves a ticket
 * in or out), and no event of another stream; what the outbox learnt of a ticket outlives a restart.
 */
describe('WebhookStore filters', () => {
  let dir: string;
  let path: string;
  let store: WebhookStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'webhook-filters-'));
    path = join(dir, 'webhooks.db');
    store = new WebhookStore(path);
    store.startAt(positionOf(0));
    store.register({ id: 'all', url: 'http://127.0.0.1:1/', eventTypes: ['*'], secret: 's' }, NOW);
    store.register({ id: 'major', url: 'http://127.0.0.1:1/', eventTypes: ['*'], secret: 's', filters: { severity: 'major' } }, NOW);
    store.register({ id: 'east-major', url: 'http://127.0.0.1:1/', eventTypes: ['*'], secret: 's', filters: { severity: 'major', serviceUnitId: 'east' } }, NOW);
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const queuedFor = (hook: string) =>
    (store.db.prepare('SELECT stream, type FROM deliveries WHERE webhook_id = ? ORDER BY seq').all(hook) as Array<{ stream: string; type: string }>).map((d) => `${d.stream}:${d.type}`);

  it('delivers to a filtered webhook only the events of matching tickets, as of each event', () => {
    const batch = [
      event('ticket-a', 'TicketReported', { severity: 'general', serviceUnitId: 'east' }),
      event('ticket-b', 'TicketReported', { severity: 'major', serviceUnitId: 'west' }),
      event('ticket-a', 'ResponseAcknowledged'),
      event('ticket-a', 'TicketReprioritized', { from: 'general', to: 'major' }),
      event('ticket-b', 'TicketAssigned', { serviceUnitId: 'east' }),
      event('asset-x', 'AssetRegistered'),
    ];
    store.enqueue(batch, batch[batch.length - 1].position, randomUUID, NOW);
    expect(queuedFor('all')).toHaveLength(6);
    expect(queuedFor('major')).toEqual(['ticket-b:TicketReported', 'ticket-a:TicketReprioritized', 'ticket-b:TicketAssigned']);
    expect(queuedFor('east-major')).toEqual(['ticket-a:TicketReprioritized', 'ticket-b:TicketAssigned']);
    expect(store.get('east-major')?.filters).toEqual({ severity: 'major', serviceUnitId: 'east' });
    expect(store.get('all')?.filters).toBeUndefined();
  });

  it('remembers a ticket reported in an earlier batch, across a restart', () => {
    const reported = event('ticket-c', 'TicketReported', { severity: 'major', serviceUnitId: 'east' });
    store.enqueue([reported], reported.position, randomUUID, NOW);
    store.close();
    store = new WebhookStore(path);
    const later = event('ticket-c', 'Restored', { by: 'x', resolution: 'y' });
    store.enqueue([later], later.position, randomUUID, NOW);
    expect(queuedFor('east-major')).toEqual(['ticket-c:TicketReported', 'ticket-c:Restored']);
  });
});
