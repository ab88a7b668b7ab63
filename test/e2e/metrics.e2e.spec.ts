import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { freePort, until } from '../support/app-process';
import { lateCallAlarms } from '../support/late-call';
import { WebhookReceiver } from '../support/webhook-receiver';
import { bodies, expectOk, startTestApp, type TestApp } from './harness';

/**
 * GET /metrics after a known scenario, parsed as Prometheus text: a late call (reported three
 * hours ago, so the deadline follower raises its alarms), a late acknowledgement that withdraws
 * two of them, its retry, a dispatch, a close refused as an invalid transition, a burst past the
 * rate limit and two webhook deliveries. Each count is checked against what the scenario did.
 */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

const HOUR = 3_600_000;
const RATE = 20;

let app: TestApp;
let receiver: WebhookReceiver;

const scrape = async () => {
  const answer = await app.api.get('/metrics');
  expect(answer.status).toBe(200);
  return parse(answer.text);
};

beforeAll(async () => {
  receiver = new WebhookReceiver(await freePort());
  await receiver.start();
  app = await startTestApp({
    RUN_DEADLINE_FOLLOWER: 'true',
    RATE_LIMIT_PER_SECOND: String(RATE),
    PROJECTION_THREAD: 'worker',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_ALLOW_HTTP: 'true',
  });
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

describe('GET /metrics after a scenario', () => {
  const ticketId = randomUUID();
  const reportedAt = Math.floor((Date.now() - 3 * HOUR) / 1000) * 1000;
  const at = (minutes: number) => new Date(reportedAt + minutes * 60_000).toISOString();

  beforeAll(async () => {
    const service = app.api.as('service');
    expectOk(await app.api.as('admin').post('/v1/webhooks', { url: receiver.url, eventTypes: ['TicketReported', 'EngineerDispatched'], secret: 'metrics-secret-0123456789' }), 201);
    expectOk(await service.post('/v1/tickets', { ticketId, customerId: 'c-metrics', channel: 'phone', kind: 'fault', severity: 'major', summary: 'core switch down', at: at(0) }), 201);
    // The follower raises the late call's seven alarms.
    await until('the alarms raised', async () => {
      const raised = total(await scrape(), 'ticket_engine_sla_alarms_raised_total');
      return raised >= lateCallAlarms(at).raised.length ? raised : undefined;
    });
    const key = `metrics-${randomUUID()}`;
    expectOk(await service.post(`/v1/tickets/${ticketId}/acknowledge`, bodies.acknowledge({ at: at(20) }), { 'idempotency-key': key }));
    const replay = expectOk(await service.post(`/v1/tickets/${ticketId}/acknowledge`, bodies.acknowledge({ at: at(20) }), { 'idempotency-key': key }));
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expectOk(await service.post(`/v1/tickets/${ticketId}/dispatch`, bodies.dispatch('eng-li', 'onsite')));
    const refused = await service.post(`/v1/tickets/${ticketId}/close`, bodies.close());
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('INVALID_TRANSITION');
    // A burst past the analyst key's rate: the bucket holds one second's worth.
    const burst = await Promise.all(Array.from({ length: RATE * 5 }, () => app.api.as('analyst').get('/v1/views/sla-compliance')));
    expect(burst.some((answer) => answer.status === 429)).toBe(true);
    await until('the two deliveries', async () => (receiver.received.length >= 2 ? true : undefined));
  }, 90_000);

  it('counts commands by type and outcome: 3 accepted, 1 refused INVALID_TRANSITION, 1 replayed', async () => {
    const samples = await scrape();
    const commands = (labels: Record<string, string>) => total(samples, 'ticket_engine_commands_total', { aggregate: 'ticket', ...labels });
    expect(commands({ outcome: 'accepted' })).toBe(3);
    expect(commands({ command: 'ReportTicket', outcome: 'accepted' })).toBe(1);
    expect(commands({ command: 'AcknowledgeResponse', outcome: 'accepted' })).toBe(1);
    expect(commands({ command: 'DispatchEngineer', outcome: 'accepted' })).toBe(1);
    expect(commands({ command: 'AcknowledgeResponse', outcome: 'replayed' })).toBe(1);
    expect(commands({ command: 'CloseTicket', outcome: 'refused', code: 'INVALID_TRANSITION' })).toBe(1);
    expect(commands({ outcome: 'refused' })).toBe(1);
    expect(commands({ outcome: 'conflict' })).toBe(0);
  });

  it('counts HTTP requests by route template, method and status class, with their latency', async () => {
    const samples = await scrape();
    const acknowledge = { method: 'POST', route: '/v1/tickets/:id/acknowledge', status_class: '2xx' };
    expect(total(samples, 'http_requests_total', acknowledge)).toBe(2);
    expect(total(samples, 'http_request_duration_seconds_count', acknowledge)).toBe(2);
    expect(total(samples, 'http_request_duration_seconds_sum', acknowledge)).toBeGreaterThan(0);
    expect(total(samples, 'http_requests_total', { method: 'POST', route: '/v1/tickets/:id/close', status_class: '4xx' })).toBe(1);
    expect(total(samples, 'http_requests_total', { route: '/v1/views/sla-compliance', status_class: '4xx' })).toBeGreaterThan(0);
    // Routes are templates: no ticket id is a label value anywhere.
    expect(samples.some((s) => Object.values(s.labels).some((value) => value.includes(ticketId)))).toBe(false);
  });

  it('counts the rate-limit refusals by role', async () => {
    const samples = await scrape();
    const refused = total(samples, 'ticket_engine_rate_limited_requests_total', { role: 'analyst' });
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBe(total(samples, 'http_requests_total', { route: '/v1/views/sla-compliance', status_class: '4xx' }));
  });

  it('counts the SLA alarms raised and withdrawn by metric', async () => {
    const samples = await scrape();
    const raised = (alarm: string, metric: string) => total(samples, 'ticket_engine_sla_alarms_raised_total', { alarm, metric });
    expect(raised('warning', 'response')).toBe(2);
    expect(raised('breach', 'response')).toBe(1);
    expect(raised('warning', 'onsiteResolution')).toBe(2);
    expect(raised('breach', 'onsiteResolution')).toBe(1);
    expect(raised('escalation', 'onsiteResolution')).toBe(1);
    // The acknowledgement at minute 20 withdraws the response warning at 22.5 and the breach at 30.
    expect(total(samples, 'ticket_engine_sla_alarms_withdrawn_total', { alarm: 'warning', metric: 'response' })).toBe(1);
    expect(total(samples, 'ticket_engine_sla_alarms_withdrawn_total', { alarm: 'breach', metric: 'response' })).toBe(1);
    expect(total(samples, 'ticket_engine_sla_alarms_withdrawn_total')).toBe(2);
  });

  it('counts appends, events and group commits', async () => {
    const samples = await scrape();
    const appends = total(samples, 'ticket_engine_store_appends_total', { outcome: 'ok' });
    // Three commands and at least one append of the follower's alarms.
    expect(appends).toBeGreaterThanOrEqual(4);
    // The report, the acknowledgement with its two withdrawals, the dispatch, the seven alarms.
    expect(total(samples, 'ticket_engine_store_events_appended_total')).toBe(1 + 3 + 1 + 7);
    expect(total(samples, 'ticket_engine_store_group_commit_appends_sum')).toBe(appends);
    expect(total(samples, 'ticket_engine_store_group_commit_appends_count')).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'ticket_engine_store_group_commit_appends_count')).toBeLessThanOrEqual(appends);
  });

  it('reports the projections (batches from the worker thread, positions, lag) and the store head', async () => {
    const head = total(await scrape(), 'ticket_engine_store_head_position');
    expect(head).toBe(11);
    const samples = await until('the projections caught up', async () => {
      const now = await scrape();
      const lags = now.filter((s) => s.name === 'ticket_engine_projection_lag_positions');
      return lags.length > 0 && lags.every((s) => s.value === 0) ? now : undefined;
    });
    const projections = samples.filter((s) => s.name === 'ticket_engine_projection_position').map((s) => s.labels.projection);
    expect(projections).toEqual(expect.arrayContaining(['sla-compliance']));
    for (const projection of projections) {
      expect(total(samples, 'ticket_engine_projection_position', { projection })).toBe(head);
      expect(total(samples, 'ticket_engine_projection_failed', { projection })).toBe(0);
    }
    expect(total(samples, 'ticket_engine_projection_batch_duration_seconds_count', { projection: 'sla-compliance' })).toBeGreaterThan(0);
    expect(total(samples, 'ticket_engine_projection_events_applied_total', { projection: 'sla-compliance' })).toBe(12);
  });

  it('counts webhook deliveries by outcome and reports the queue depth', async () => {
    const samples = await until('the deliveries counted', async () => {
      const now = await scrape();
      return total(now, 'ticket_engine_webhook_deliveries_total', { outcome: 'delivered' }) >= 2 ? now : undefined;
    });
    expect(total(samples, 'ticket_engine_webhook_deliveries_total', { outcome: 'delivered' })).toBe(2);
    expect(total(samples, 'ticket_engine_webhook_deliveries_total', { outcome: 'dead' })).toBe(0);
    expect(total(samples, 'ticket_engine_webhook_queue_depth')).toBe(0);
  });

  it("exposes prom-client's process and Node series, event-loop lag included", async () => {
    const samples = await scrape();
    expect(total(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(total(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });
});
