import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac, randomUUID } from 'node:crypto';
import { startEventStoreDb, type EventStoreDbServer } from '@app/event-store/testing/esdb-test-server';
import { freePort, until } from '../support/app-process';
import { lateCallAlarms } from '../support/late-call';
import { HOUR, iso, MINUTE, nowSecond, qs, startViewsApp, type ViewsApp } from '../support/views-scenario';
import { WebhookReceiver } from '../support/webhook-receiver';

/*
 * The whole engine on EventStoreDB: the built API as a child process with EVENT_STORE_URL pointing
 * at a real server, so the projection runner, the deadline follower and the webhook outbox follow
 * EventStoreDB's `$all`, not SQLite's. The server is EVENTSTORE_TEST_URL when set, or a container
 * started by testcontainers when a Docker engine answers; otherwise the suite is skipped, with the
 * reason. Everything it writes is keyed by a fresh customer and ticket, so a shared server with
 * older data does not disturb it.
 */
const server: EventStoreDbServer = await startEventStoreDb();

type HistoryEvent = { revision: number; position: string; type: string; data: Record<string, any> };


const alarmsOf = (events: HistoryEvent[]) =>
  events
    .filter((e) => ['SlaWarningReached', 'SlaBreached', 'EscalationRequired'].includes(e.type))
    .map((e) => `${e.type}:${e.data.metric}:${e.data.threshold ?? ''}@${e.data.at}`);

if (server.kind === 'unavailable') {
  process.stderr.write(`EventStoreDB engine suite skipped: ${server.reason}\n`);
  describe('the whole engine on EventStoreDB', () => {
    it.skip(`skipped: ${server.reason}`, () => undefined);
  });
} else {
  describe('the whole engine on EventStoreDB: a call logged three hours late', () => {
    const SECRET = 'esdb-engine-secret-0123';
    const customerId = `c-esdb-${randomUUID().slice(0, 8)}`;
    const ticketId = randomUUID();
    const reportedAt = nowSecond() - 3 * HOUR;
    const at = (minutes: number) => iso(reportedAt + minutes * MINUTE);
    let app: ViewsApp;
    let receiver: WebhookReceiver;
    let webhookId: string;
    let position = '0';

    const historyOf = async (): Promise<HistoryEvent[]> =>
      (await app.api.as('auditor').get(`/v1/tickets/${ticketId}/history?limit=1000`)).body.events;
    /** The compliance view once it has reached `minPosition` (the API waits 5 s per request, then answers "try again"). */
    const compliance = (minPosition: string) =>
      until(`the compliance view at ${minPosition}`, async () => {
        const answer = await app.analyst.get(`/v1/views/sla-compliance${qs({ customerId, from: at(-60), to: at(60), minPosition })}`);
        return answer.status === 200 ? answer.body : undefined;
      });
    const ours = () => receiver.received.map((r) => ({ ...r, parsed: JSON.parse(r.body) })).filter((r) => r.parsed.event.stream === `ticket-${ticketId}`);

    beforeAll(async () => {
      receiver = new WebhookReceiver(await freePort());
      await receiver.start();
      app = await startViewsApp({
        EVENT_STORE_URL: server.url,
        RUN_DEADLINE_FOLLOWER: 'true',
        RUN_WEBHOOKS: 'true',
        RATE_LIMIT_PER_SECOND: '0',
        WEBHOOK_RETRY_BASE_MS: '100',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_ALLOW_HTTP: 'true',
      });
      const hook = await app.api.as('admin').post('/v1/webhooks', { url: receiver.url, eventTypes: ['SlaBreached', 'SlaAlarmWithdrawn'], secret: SECRET });
      expect(hook.status).toBe(201);
      webhookId = hook.body.id;
    }, 120_000);
    afterAll(async () => {
      await app?.stop();
      await receiver?.stop();
      await server.stop();
    }, 60_000);

    it('is ready on EventStoreDB: the store and the projections answer', async () => {
      const ready = await app.api.get('/health/ready');
      expect(ready.status).toBe(200);
    });

    it('accepts the report and the follower raises what is owed, dated when it fell due', async () => {
      const report = await app.service.post('/v1/tickets', {
        ticketId, customerId, channel: 'phone', kind: 'fault', severity: 'major', summary: 'core switch down', at: at(0),
      });
      expect(report.status).toBe(201);
      position = report.body.position;
      const events = await until('the on-site escalation', async () => {
        const seen = await historyOf();
        return seen.some((e) => e.type === 'EscalationRequired') ? seen : undefined;
      });
      expect(alarmsOf(events)).toEqual(lateCallAlarms(at).raised);
    }, 90_000);

    it('takes the late acknowledgement and withdraws the alarms it makes untrue, in the same append', async () => {
      const before = await historyOf();
      const answer = await app.service.post(`/v1/tickets/${ticketId}/acknowledge`, { by: 'desk-agent-7', at: at(20) });
      expect(answer.status).toBe(200);
      position = answer.body.position;
      const appended = (await historyOf()).slice(before.length);
      expect(appended.map((e) => e.type)).toEqual(['ResponseAcknowledged', 'SlaAlarmWithdrawn', 'SlaAlarmWithdrawn']);
      expect(appended[appended.length - 1]).toMatchObject({ revision: answer.body.revision, position: answer.body.position });
      expect(appended.slice(1).map((e) => `${e.data.alarm}:${e.data.metric}@${e.data.at}`)).toEqual([`warning:response@${at(20)}`, `breach:response@${at(20)}`]);
    });

    it('projects it: the compliance view counts the response met and drops the withdrawn alarms', async () => {
      const answer = await compliance(position);
      expect(answer.groups).toHaveLength(1);
      expect(answer.groups[0].metrics.response).toMatchObject({ total: 1, met: 1, breached: 0, compliance: 1, alarms: { warnings: 1, breaches: 0, escalations: 0 } });
      expect(answer.groups[0].metrics.onsiteResolution.alarms).toEqual({ warnings: 2, breaches: 1, escalations: 1 });
    }, 60_000);

    it('delivers the breaches and the withdrawals to the loopback webhook, signed and in order', async () => {
      const delivered = await until('four deliveries for the ticket', async () => (ours().length >= 4 ? ours() : undefined));
      const firstOf = new Map<string, (typeof delivered)[number]>();
      for (const r of delivered) if (!firstOf.has(r.parsed.deliveryId)) firstOf.set(r.parsed.deliveryId, r);
      expect([...firstOf.values()].map((r) => `${r.parsed.event.type}:${r.parsed.event.data.alarm ?? ''}:${r.parsed.event.data.metric}`)).toEqual([
        'SlaBreached::response',
        'SlaBreached::onsiteResolution',
        'SlaAlarmWithdrawn:warning:response',
        'SlaAlarmWithdrawn:breach:response',
      ]);
      for (const r of delivered) {
        const timestamp = String(r.headers['x-signature-timestamp']);
        expect(r.headers['x-signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${r.body}`).digest('hex')}`);
      }
      const log = await until('the deliveries logged as delivered', async () => {
        const answer = await app.api.as('admin').get(`/v1/webhooks/${webhookId}/deliveries?status=delivered&limit=500`);
        const mine = answer.body.items.filter((d: any) => firstOf.has(d.id ?? d.deliveryId));
        return mine.length >= 4 ? mine : undefined;
      });
      expect(log).toHaveLength(4);
    }, 90_000);

    it('after a restart, the views resume from their checkpoint on EventStoreDB and follow new commands', async () => {
      await app.restart();
      const restored = await app.service.post(`/v1/tickets/${ticketId}/restore`, { by: 'eng-on-duty', resolution: 'Service restored', at: at(150) });
      expect(restored.status).toBe(200);
      const answer = await compliance(restored.body.position);
      expect(answer.groups[0].metrics.response).toMatchObject({ total: 1, met: 1 });
      expect(answer.groups[0].metrics.onsiteResolution).toMatchObject({ total: 1, breached: 1 });
    }, 90_000);
  });
}
