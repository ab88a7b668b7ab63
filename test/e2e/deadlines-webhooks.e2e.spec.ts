import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { freePort, startAppProcess, tempDataDir, until, waitFor, type AppProcess } from '../support/app-process';
import { WebhookReceiver as Receiver } from '../support/webhook-receiver';
import { api, TEST_API_KEYS } from '../support/http-client';


const SECRET = 'webhook-secret-0123456789';
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();


async function startApp(dataDir: string): Promise<AppProcess> {
  const app = startAppProcess(
    {
      DATA_DIR: dataDir,
      API_KEYS: TEST_API_KEYS,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '0',
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_MAX_ATTEMPTS: '100',
      // The receiver is a plain-http server on loopback, which webhooks refuse unless told.
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_ALLOW_HTTP: 'true',
    },
    await freePort(),
  );
  await waitFor(`${app.baseUrl}/health/ready`);
  return app;
}

async function stopApp(app: AppProcess): Promise<void> {
  app.child.kill('SIGTERM');
  await app.exited;
}

const history = async (baseUrl: string, ticketId: string) =>
  (await api(baseUrl).as('auditor').get(`/v1/tickets/${ticketId}/history?limit=1000`)).body.events as Array<{
    revision: number;
    type: string;
    data: Record<string, unknown>;
  }>;

describe('deadlines as events', () => {
  const data = tempDataDir();
  const apps: AppProcess[] = [];
  afterAll(async () => {
    await Promise.all(apps.map(stopApp));
    data.remove();
  });

  it('raises each warning and the breach exactly once, dated when they happened, with two processes on one store', async () => {
    apps.push(await startApp(data.path), await startApp(data.path));
    const [a, b] = apps;
    // Reported 29 min 57 s ago under the IT plan: the 30-minute response target runs out during the test.
    const reportedAt = new Date(Date.now() - (29 * 60 + 57) * 1000);
    reportedAt.setMilliseconds(0);
    const report = await api(a.baseUrl).as('service').post('/v1/tickets', {
      customerId: 'c-deadline', channel: 'phone', kind: 'fault', severity: 'general', summary: 'core switch down', at: reportedAt.toISOString(),
    });
    expect(report.status).toBe(201);
    const id = report.body.ticketId as string;
    const events = await until('the response breach', async () => {
      const seen = await history(b.baseUrl, id);
      return seen.some((e) => e.type === 'SlaBreached' && e.data.metric === 'response') ? seen : undefined;
    });
    const at = (minutes: number) => new Date(reportedAt.getTime() + minutes * 60_000).toISOString();
    const raised = events.filter((e) => e.type !== 'TicketReported').map((e) => `${e.type}:${e.data.metric}:${e.data.threshold ?? ''}@${e.data.at}`);
    expect(raised).toEqual([
      `SlaWarningReached:response:0.5@${at(15)}`,
      `SlaWarningReached:response:0.75@${at(22.5)}`,
      // At minute 30 the on-site resolution clock (1 h) reaches half of its target as the response breaches.
      `SlaWarningReached:onsiteResolution:0.5@${at(30)}`,
      `SlaBreached:response:@${at(30)}`,
    ]);
    // Both processes keep following; a second look finds nothing raised twice.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = (await history(a.baseUrl, id)).filter((e) => e.type === 'SlaBreached' || e.type === 'SlaWarningReached');
    expect(later).toHaveLength(4);
  }, 60_000);

  it('raises the escalation of the policy when on-site resolution breaches, and the views count them', async () => {
    const [a] = apps;
    const report = await api(a.baseUrl).as('service').post('/v1/tickets', {
      customerId: 'c-escalation', channel: 'phone', kind: 'fault', severity: 'general', summary: 'printer farm down', at: minutesAgo(61),
    });
    const id = report.body.ticketId as string;
    const events = await until('the escalation', async () => {
      const seen = await history(a.baseUrl, id);
      return seen.some((e) => e.type === 'EscalationRequired') ? seen : undefined;
    });
    const escalation = events.find((e) => e.type === 'EscalationRequired')!;
    expect(escalation.data).toMatchObject({ metric: 'onsiteResolution', reason: expect.stringContaining('senior engineer') });
    const last = events[events.length - 1];
    const position = (await api(a.baseUrl).as('auditor').get(`/v1/tickets/${id}/history?fromRevision=${last.revision}`)).body.events[0].position;
    const view = await api(a.baseUrl).as('analyst').get(`/v1/views/sla-compliance?customerId=c-escalation&minPosition=${position}`);
    expect(view.status).toBe(200);
    expect(view.body.groups[0].metrics.onsiteResolution.alarms).toEqual({ warnings: 2, breaches: 1, escalations: 1 });
    expect(view.body.groups[0].metrics.response.alarms).toEqual({ warnings: 2, breaches: 1, escalations: 0 });
  }, 60_000);

  it('puts a business-hours warning that falls after Friday closing on Monday at opening', async () => {
    const [a] = apps;
    // The latest Friday at least a week back, 17:45 in Shanghai (09:45Z): 15 of the 30 minutes run out at closing.
    // A Friday or Monday the policy lists as a holiday is skipped (the warning would move past it).
    const holidays = new Set(businessHoursHolidays());
    const day = (date: Date) => date.toISOString().slice(0, 10);
    const friday = new Date(Date.now() - 7 * 86_400_000);
    const monday = () => new Date(friday.getTime() + 3 * 86_400_000);
    while (friday.getUTCDay() !== 5 || holidays.has(day(friday)) || holidays.has(day(monday()))) friday.setUTCDate(friday.getUTCDate() - 1);
    friday.setUTCHours(9, 45, 0, 0);
    const opening = monday();
    opening.setUTCHours(1, 0, 0, 0);
    const report = await api(a.baseUrl).as('service').post('/v1/tickets', {
      customerId: 'c-office', channel: 'phone', kind: 'fault', severity: 'general', summary: 'VPN down', policyId: 'it-support-business-hours', at: friday.toISOString(),
    });
    const id = report.body.ticketId as string;
    const events = await until('the first warning', async () => {
      const seen = await history(a.baseUrl, id);
      return seen.some((e) => e.type === 'SlaWarningReached') ? seen : undefined;
    });
    expect(events.find((e) => e.type === 'SlaWarningReached')!.data).toMatchObject({ metric: 'response', threshold: 0.5, at: opening.toISOString() });
  }, 60_000);
});

describe('webhooks', () => {
  const data = tempDataDir();
  let app: AppProcess;
  let receiver: Receiver;
  let webhookId: string;
  beforeAll(async () => {
    app = await startApp(data.path);
    receiver = new Receiver(await freePort());
  });
  afterAll(async () => {
    await stopApp(app);
    await receiver.stop();
    data.remove();
  });

  it('registers for admins only, refuses other schemes and never shows the secret', async () => {
    const body = { url: `http://127.0.0.1:${receiver.port}/hooks`, eventTypes: ['TicketReported', 'ResponseAcknowledged', 'Restored'], secret: SECRET };
    expect((await api(app.baseUrl).as('service').post('/v1/webhooks', body)).status).toBe(403);
    expect((await api(app.baseUrl).as('admin').post('/v1/webhooks', { ...body, url: 'ftp://127.0.0.1/x' })).status).toBe(400);
    expect((await api(app.baseUrl).as('admin').post('/v1/webhooks', { ...body, url: 'file:///etc/passwd' })).status).toBe(400);
    const created = await api(app.baseUrl).as('admin').post('/v1/webhooks', body);
    expect(created.status).toBe(201);
    webhookId = created.body.id;
    expect(created.text).not.toContain(SECRET);
    const list = await api(app.baseUrl).as('admin').get('/v1/webhooks');
    expect(list.body.items.map((w: { id: string }) => w.id)).toEqual([webhookId]);
    expect(list.text).not.toContain(SECRET);
  });

  it('delivers every matching event at least once, in order per ticket, signed, across a receiver outage', async () => {
    // The receiver is down: deliveries fail and are retried with backoff.
    const service = api(app.baseUrl).as('service');
    const tickets: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await service.post('/v1/tickets', { customerId: `c-${i}`, channel: 'web', kind: 'consultation', severity: 'general', summary: `question ${i}`, at: minutesAgo(10) });
      tickets.push(r.body.ticketId);
      await service.post(`/v1/tickets/${r.body.ticketId}/acknowledge`, { by: 'desk', at: minutesAgo(9) });
      await service.post(`/v1/tickets/${r.body.ticketId}/restore`, { by: 'desk', resolution: 'answered', at: minutesAgo(8) });
      await service.post(`/v1/tickets/${r.body.ticketId}/close`, { by: 'desk', at: minutesAgo(7) });
    }
    await until('failed attempts', async () => {
      const d = await api(app.baseUrl).as('admin').get(`/v1/webhooks/${webhookId}/deliveries?status=pending`);
      return d.body.items.some((x: { attempts: number }) => x.attempts >= 1) ? true : undefined;
    });
    await receiver.start();
    const expected = tickets.length * 3;
    await until('every delivery', async () => {
      const d = await api(app.baseUrl).as('admin').get(`/v1/webhooks/${webhookId}/deliveries?status=delivered&limit=500`);
      return d.body.total === expected ? true : undefined;
    });
    const bodies = receiver.received.map((r) => ({ ...r, parsed: JSON.parse(r.body) }));
    for (const r of bodies) {
      const timestamp = String(r.headers['x-signature-timestamp']);
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(120);
      const expectedSignature = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${r.body}`).digest('hex')}`;
      expect(r.headers['x-signature-256']).toBe(expectedSignature);
      expect(r.headers['x-delivery-id']).toBe(r.parsed.deliveryId);
    }
    // Duplicates, if any, share a delivery id; every event arrived; per ticket in revision order.
    const firstOf = new Map<string, (typeof bodies)[number]>();
    for (const r of bodies) if (!firstOf.has(r.parsed.deliveryId)) firstOf.set(r.parsed.deliveryId, r);
    const unique = [...firstOf.values()];
    expect(unique).toHaveLength(expected);
    expect(new Set(unique.map((r) => r.parsed.event.id)).size).toBe(expected);
    for (const ticketId of tickets) {
      const order = unique.filter((r) => r.parsed.event.stream === `ticket-${ticketId}`).map((r) => `${r.parsed.event.revision}:${r.parsed.event.type}`);
      expect(order).toEqual(['0:TicketReported', '1:ResponseAcknowledged', '2:Restored']);
    }
    const log = await api(app.baseUrl).as('admin').get(`/v1/webhooks/${webhookId}/deliveries?limit=500`);
    expect(log.body.items.some((d: { attemptLog: Array<{ error: string | null }> }) => d.attemptLog.length > 1 && d.attemptLog[0].error !== null)).toBe(true);
  }, 60_000);

  it('neither loses nor repeats deliveries across a restart, and holds them while paused', async () => {
    expect((await api(app.baseUrl).as('admin').post(`/v1/webhooks/${webhookId}/pause`)).body.status).toBe('paused');
    const before = receiver.received.length;
    const r = await api(app.baseUrl).as('service').post('/v1/tickets', { customerId: 'c-pause', channel: 'web', kind: 'fault', severity: 'general', summary: 'paused hook', at: minutesAgo(1) });
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(receiver.received.length).toBe(before);
    await stopApp(app);
    app = await startApp(data.path);
    await api(app.baseUrl).as('admin').post(`/v1/webhooks/${webhookId}/resume`);
    await until('the held delivery', async () => (receiver.received.some((x) => JSON.parse(x.body).event.stream === `ticket-${r.body.ticketId}`) ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 800));
    const ids = receiver.received.map((x) => JSON.parse(x.body).event.id as string);
    expect(new Set(ids).size).toBe(13);
    expect((await api(app.baseUrl).as('admin').get(`/v1/webhooks/${webhookId}/deliveries`)).body.total).toBe(13);
  }, 60_000);
});

/** The holidays of the business-hours policy the warning test uses, from the policies file the app loads. */
function businessHoursHolidays(): string[] {
  const file = JSON.parse(readFileSync('config/sla-policies.json', 'utf8'));
  const policy = file.policies.find((p: { id: string }) => p.id === 'it-support-business-hours');
  return policy.calendar.holidays;
}
