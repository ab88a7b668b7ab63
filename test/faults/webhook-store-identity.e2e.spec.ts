import { afterAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, until } from '../support/app-process';
import { startViewsApp, type ViewsApp } from '../support/views-scenario';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * The webhook outbox keeps its checkpoint in webhooks.db, beside the event store. When the data
 * folder is put on another event store (a changed EVENT_STORE_URL, a file swapped by hand), that
 * checkpoint is a position of the other store: the outbox must start again at the new store's
 * head instead of skipping every new event up to the old position.
 */

const ENV = { RATE_LIMIT_PER_SECOND: '0', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_RETRY_BASE_MS: '100' };
const report = (customerId: string) => ({ customerId, channel: 'web', kind: 'consultation', severity: 'general', summary: 'a question' });

describe('the webhook outbox on another event store', () => {
  const apps: ViewsApp[] = [];
  let receiver: WebhookReceiver | undefined;
  afterAll(async () => {
    for (const app of apps) await app.stop();
    await receiver?.stop();
  });

  it('starts again at the head of the new store and delivers its new events', async () => {
    receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    const first = await startViewsApp(ENV);
    apps.push(first);
    const hook = await first.api.as('admin').post('/v1/webhooks', { url: receiver.url, eventTypes: ['TicketReported'], secret: 'identity-secret-0123456' });
    expect(hook.status).toBe(201);
    for (let i = 0; i < 6; i++) expect((await first.service.post('/v1/tickets', report(`c-first-${i}`))).status).toBe(201);
    await until('six deliveries', async () => (receiver!.bodies().length >= 6 ? true : undefined));

    // Another store with a single event, put under the first app's webhooks.db.
    const other = await startViewsApp(ENV);
    apps.push(other);
    expect((await other.service.post('/v1/tickets', report('c-other'))).status).toBe(201);
    await other.close();
    await first.close();
    // The Merkle tree signed over the first store is moved aside too, as an operator does (the API
    // refuses to start on a log shorter than the tree it signed).
    for (const file of ['events.db', 'tree.db']) for (const suffix of ['', '-wal', '-shm']) rmSync(join(first.dataDir, `${file}${suffix}`), { force: true });
    for (const suffix of ['', '-wal']) {
      const from = join(other.dataDir, `events.db${suffix}`);
      if (existsSync(from)) copyFileSync(from, join(first.dataDir, `events.db${suffix}`));
    }

    await first.start();
    const fresh: string[] = [];
    for (let i = 0; i < 2; i++) fresh.push((await first.service.post('/v1/tickets', report(`c-after-${i}`))).body.ticketId);
    // Their events take positions 2 and 3, below the old checkpoint (6): both must still arrive.
    const delivered = await until('the new store\'s events delivered', async () => {
      const ids = new Set(receiver!.bodies().map((b) => String(b.event.data.ticketId)));
      return fresh.every((id) => ids.has(id)) ? ids : undefined;
    });
    expect(fresh.every((id) => delivered.has(id))).toBe(true);
  }, 90_000);
});
