import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '../support/http-client';
import { bodies, countAllEvents, expectOk, reportBody, startTestApp, storedEvents, type TestApp } from './harness';

/**
 * Retries are safe (the service contract): a command sent again with the same Idempotency-Key and
 * body gets its first answer and appends nothing; the same key with another body is a 422.
 * If-Match makes a command conditional on the revision the client last saw.
 */
let app: TestApp;
let service: Client;

beforeAll(async () => {
  app = await startTestApp();
  service = app.api.as('service');
});
afterAll(async () => {
  await app?.stop();
});

let keys = 0;
/** A key no other test uses. */
const freshKey = () => `retry-${process.pid}-${Date.now()}-${++keys}`;

async function newTicket(...steps: Array<[string, Record<string, unknown>]>): Promise<string> {
  const id = expectOk(await service.post('/v1/tickets', reportBody()), 201).body.ticketId as string;
  for (const [verb, body] of steps) expectOk(await service.post(`/v1/tickets/${id}/${verb}`, body));
  return id;
}

describe('Idempotency-Key', () => {
  it('answers a retry with the first answer, marked as replayed, and appends nothing', async () => {
    const id = await newTicket();
    const key = freshKey();
    const first = expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge(), { 'idempotency-key': key }));
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const before = countAllEvents(app.dataDir);

    const retry = expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge(), { 'idempotency-key': key }));
    expect(retry.body).toEqual(first.body);
    expect(retry.body).toEqual({ ticketId: id, revision: 1, position: expect.any(String) });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('etag')).toBe('"1"');
    expect(countAllEvents(app.dataDir)).toBe(before);

    const events = storedEvents(app.dataDir, id);
    expect(events.map((e) => e.type)).toEqual(['TicketReported', 'ResponseAcknowledged']);
    expect(events[1].metadata.commandId).toBe(key);
  });

  it('treats the same body with its fields in another order as the same request', async () => {
    const id = await newTicket(['acknowledge', bodies.acknowledge()]);
    const key = freshKey();
    const first = expectOk(await service.send({ method: 'POST', path: `/v1/tickets/${id}/dispatch`, body: '{"engineerId":"eng-li","tier":"onsite"}', headers: { 'idempotency-key': key } }));
    const retry = expectOk(await service.send({ method: 'POST', path: `/v1/tickets/${id}/dispatch`, body: '{ "tier": "onsite", "engineerId": "eng-li" }', headers: { 'idempotency-key': key } }));
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(storedEvents(app.dataDir, id).filter((e) => e.type === 'EngineerDispatched')).toHaveLength(1);
  });

  it('refuses the same key with another body: 422 IDEMPOTENCY_KEY_REUSED, nothing appended', async () => {
    const id = await newTicket(['acknowledge', bodies.acknowledge()]);
    const key = freshKey();
    expectOk(await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-li', 'onsite'), { 'idempotency-key': key }));
    const before = countAllEvents(app.dataDir);

    const other = await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-wang', 'onsite'), { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(countAllEvents(app.dataDir)).toBe(before);
  });

  it('refuses the same key on another command of the same ticket: 422', async () => {
    const id = await newTicket(['acknowledge', bodies.acknowledge()]);
    const key = freshKey();
    expectOk(await service.post(`/v1/tickets/${id}/pause`, bodies.pause(), { 'idempotency-key': key }));
    const resume = await service.post(`/v1/tickets/${id}/resume`, bodies.resume(), { 'idempotency-key': key });
    expect(resume.status).toBe(422);
    expect(resume.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await service.get(`/v1/tickets/${id}`)).body.paused).not.toBeNull();
  });

  it('answers a late retry with its first answer even after the ticket moved on', async () => {
    const id = await newTicket();
    const key = freshKey();
    const first = expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge(), { 'idempotency-key': key }));
    expectOk(await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-li', 'onsite')));
    expectOk(await service.post(`/v1/tickets/${id}/restore`, bodies.restore()));

    // Without the key this would be a 409 (acknowledged twice); with it, it is the same command.
    const retry = expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge(), { 'idempotency-key': key }));
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(storedEvents(app.dataDir, id)).toHaveLength(4);
  });

  it('answers a retried command that appended two events with the revision of the last one', async () => {
    const id = await newTicket(['acknowledge', bodies.acknowledge()], ['pause', bodies.pause()]);
    const key = freshKey();
    // Restoring a paused ticket appends TicketResumed and Restored.
    const first = expectOk(await service.post(`/v1/tickets/${id}/restore`, bodies.restore(), { 'idempotency-key': key }));
    expect(first.body.revision).toBe(4);
    const retry = expectOk(await service.post(`/v1/tickets/${id}/restore`, bodies.restore(), { 'idempotency-key': key }));
    expect(retry.body).toEqual(first.body);
    const events = storedEvents(app.dataDir, id);
    expect(events.map((e) => e.type)).toEqual(['TicketReported', 'ResponseAcknowledged', 'TicketPaused', 'TicketResumed', 'Restored']);
    expect(events.slice(3).map((e) => e.metadata.commandId)).toEqual([key, key]);
  });

  it('does not spend a key on a refused command: the same key works once the command is allowed', async () => {
    const id = await newTicket();
    const key = freshKey();
    const early = await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-li', 'onsite'), { 'idempotency-key': key });
    expect(early.status).toBe(409);
    expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge()));
    const later = expectOk(await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-li', 'onsite'), { 'idempotency-key': key }));
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.body.revision).toBe(2);
  });

  it('gives a report retried with a key and no ticketId the same ticket, reported once', async () => {
    const key = freshKey();
    const first = expectOk(await service.post('/v1/tickets', reportBody({ summary: 'Printer on fire' }), { 'idempotency-key': key }), 201);
    const id = first.body.ticketId as string;
    expect(first.headers.get('location')).toBe(`/v1/tickets/${id}`);

    const retry = await service.post('/v1/tickets', reportBody({ summary: 'Printer on fire' }), { 'idempotency-key': key });
    expect([200, 201]).toContain(retry.status);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(`/v1/tickets/${id}`);

    const events = storedEvents(app.dataDir, id);
    expect(events.map((e) => e.type)).toEqual(['TicketReported']);
    expect(events[0].metadata.commandId).toBe(key);

    const other = await service.post('/v1/tickets', reportBody({ summary: 'Printer fine after all' }), { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(storedEvents(app.dataDir, id)).toHaveLength(1);
  });

  it('gives a report with an explicit ticketId retried with its key the first answer, not a 409', async () => {
    const key = freshKey();
    const ticketId = '0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a02';
    const first = expectOk(await service.post('/v1/tickets', reportBody({ ticketId }), { 'idempotency-key': key }), 201);
    const retry = await service.post('/v1/tickets', reportBody({ ticketId }), { 'idempotency-key': key });
    expect([200, 201]).toContain(retry.status);
    expect(retry.body).toEqual(first.body);
    expect(storedEvents(app.dataDir, ticketId)).toHaveLength(1);
  });

  it('treats requests without a key as distinct commands', async () => {
    const id = await newTicket(['acknowledge', bodies.acknowledge()], ['restore', bodies.restore()]);
    const a = expectOk(await service.post(`/v1/tickets/${id}/revisit`, bodies.revisit()));
    const b = expectOk(await service.post(`/v1/tickets/${id}/revisit`, bodies.revisit()));
    expect(b.body.revision).toBe(a.body.revision + 1);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    const revisits = storedEvents(app.dataDir, id).filter((e) => e.type === 'RevisitCompleted');
    expect(revisits).toHaveLength(2);
    expect(revisits[0].metadata.commandId).not.toBe(revisits[1].metadata.commandId);
  });
});

describe('If-Match', () => {
  it('lets a command through on the current revision and refuses a stale one: 412 REVISION_MISMATCH', async () => {
    const id = await newTicket(['acknowledge', bodies.acknowledge()]);
    const seen = await service.get(`/v1/tickets/${id}`);
    const etag = seen.headers.get('etag')!;
    expect(etag).toBe('"1"');

    const ok = expectOk(await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-li', 'onsite'), { 'if-match': etag }));
    expect(ok.body.revision).toBe(2);
    expect(ok.headers.get('etag')).toBe('"2"');

    const before = countAllEvents(app.dataDir);
    const stale = await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-wang', 'onsite'), { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(stale.body.code).toBe('REVISION_MISMATCH');
    expect(countAllEvents(app.dataDir)).toBe(before);

    const ahead = await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-wang', 'onsite'), { 'if-match': '"7"' });
    expect(ahead.status).toBe(412);
    expect(countAllEvents(app.dataDir)).toBe(before);
  });

  it('takes the ETag of the last answer, quoted, unquoted or weak', async () => {
    const id = await newTicket();
    const ack = expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge(), { 'if-match': '"0"' }));
    expectOk(await service.post(`/v1/tickets/${id}/pause`, bodies.pause(), { 'if-match': ack.headers.get('etag')!.replace(/"/g, '') }));
    expectOk(await service.post(`/v1/tickets/${id}/resume`, bodies.resume(), { 'if-match': 'W/"2"' }));
    expect((await service.get(`/v1/tickets/${id}`)).body).toMatchObject({ revision: 3, paused: null });
  });

  it('checks the revision before the rules: a stale If-Match on a refused command is still a 412', async () => {
    const id = await newTicket(['acknowledge', bodies.acknowledge()]);
    const answer = await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge(), { 'if-match': '"0"' });
    expect(answer.status).toBe(412);
    expect(answer.body.code).toBe('REVISION_MISMATCH');
  });
});
