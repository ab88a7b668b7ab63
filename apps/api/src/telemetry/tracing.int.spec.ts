import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { propagation, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../bootstrap';
import { loadConfig } from '../config/app-config';
import { freePort, tempDataDir, until } from '../../../../test/support/app-process';
import { api, TEST_API_KEYS, type Api } from '../../../../test/support/http-client';
import { WebhookReceiver } from '../../../../test/support/webhook-receiver';
import { CORRELATION_ID } from './tracing';

/**
 * One command, traced: the app built in this process with the SDK's in-memory exporter as the
 * global provider (what `startTracing` would register from OTEL_* with an OTLP exporter), and
 * tracing switched on the standard way (OTEL_TRACES_EXPORTER).
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const data = tempDataDir();
let app: NestFastifyApplication;
let client: Api;
let receiver: WebhookReceiver;

beforeAll(async () => {
  // What the SDK registers at start: the provider, and the W3C traceparent propagator (its default).
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  receiver = new WebhookReceiver(await freePort());
  await receiver.start();
  const config = loadConfig({
    DATA_DIR: data.path,
    API_KEYS: TEST_API_KEYS,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_SECOND: '0',
    RUN_DEADLINE_FOLLOWER: 'false',
    RUN_SCHEDULE_FOLLOWER: 'false',
    SLA_POLICIES_FILE: 'config/sla-policies.json',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_ALLOW_HTTP: 'true',
    OTEL_TRACES_EXPORTER: 'otlp',
  });
  expect(config.tracing).toBe(true);
  app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  client = api(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await receiver?.stop();
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  data.remove();
});

describe('tracing one command', () => {
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';
  const correlationId = `corr-${randomUUID()}`;
  let spans: ReadableSpan[];
  const named = (name: string) => spans.filter((span) => span.name === name);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  beforeAll(async () => {
    const hook = await client.as('admin').post('/v1/webhooks', { url: receiver.url, eventTypes: ['TicketReported'], secret: 'tracing-secret-0123456789' });
    expect(hook.status).toBe(201);
    exporter.reset();
    const report = await client.as('service').post(
      '/v1/tickets',
      { customerId: 'c-trace', channel: 'phone', kind: 'fault', severity: 'major', summary: 'core switch down' },
      { traceparent: `00-${callerTrace}-${callerSpan}-01`, 'x-correlation-id': correlationId },
    );
    expect(report.status).toBe(201);
    spans = await until('the projection batch and the webhook delivery spans', async () => {
      const finished = exporter.getFinishedSpans();
      const batch = finished.some((span) => span.name.startsWith('projection ') && (span.attributes[`${CORRELATION_ID}s`] as string[] | undefined)?.includes(correlationId));
      const delivery = finished.some((span) => span.name === 'webhook delivery');
      return batch && delivery ? finished : undefined;
    });
  }, 60_000);

  it('gives the request a server span that continues the caller\'s trace, named by its route template', () => {
    const [request] = named('POST /v1/tickets');
    expect(request).toBeDefined();
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.spanContext().traceId).toBe(callerTrace);
    expect(parentOf(request)).toBe(callerSpan);
    expect(request.attributes).toMatchObject({ 'http.route': '/v1/tickets', 'http.response.status_code': 201, [CORRELATION_ID]: correlationId });
  });

  it('puts the command under the request, and its decision and append under the command', () => {
    const [request] = named('POST /v1/tickets');
    const [command] = named('ticket ReportTicket');
    expect(command).toBeDefined();
    expect(parentOf(command)).toBe(request.spanContext().spanId);
    expect(command.attributes).toMatchObject({ [CORRELATION_ID]: correlationId, 'ticket_engine.command': 'ReportTicket', 'ticket_engine.replayed': false });
    const decide = named('decide');
    const append = named('append');
    expect(decide).toHaveLength(1);
    expect(append).toHaveLength(1);
    expect(parentOf(decide[0])).toBe(command.spanContext().spanId);
    expect(parentOf(append[0])).toBe(command.spanContext().spanId);
    for (const span of [command, decide[0], append[0]]) expect(span.spanContext().traceId).toBe(callerTrace);
    // The append ends before the command, the command before the request.
    const end = (span: ReadableSpan) => span.endTime[0] * 1e9 + span.endTime[1];
    expect(end(append[0])).toBeLessThanOrEqual(end(command));
    expect(end(command)).toBeLessThanOrEqual(end(request));
  });

  it('links the projection batch and the webhook delivery that the event caused to the command, by its correlation id', () => {
    const [command] = named('ticket ReportTicket');
    const batches = spans.filter((span) => span.name.startsWith('projection ') && (span.attributes[`${CORRELATION_ID}s`] as string[]).includes(correlationId));
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(batch.links.map((link) => link.context.spanId)).toContain(command.spanContext().spanId);
      expect(batch.attributes['ticket_engine.events']).toBeGreaterThan(0);
    }
    const [delivery] = named('webhook delivery');
    expect(delivery.kind).toBe(SpanKind.CLIENT);
    expect(delivery.attributes).toMatchObject({ [CORRELATION_ID]: correlationId, 'ticket_engine.event_type': 'TicketReported', 'ticket_engine.outcome': 'delivered' });
    expect(delivery.links.map((link) => link.context.spanId)).toEqual([command.spanContext().spanId]);
  });
});
