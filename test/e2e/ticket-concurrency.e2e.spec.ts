import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client, HttpAnswer } from '../support/http-client';
import { bodies, expectOk, reportBody, startTestApp, storedEvents, type TestApp } from './harness';

/**
 * Commands racing on one ticket: the handler appends with the expected revision, so the store
 * never takes two events decided on the same state, and every answer says what really happened.
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

async function newTicket(...verbs: Array<[string, Record<string, unknown>]>): Promise<string> {
  const id = expectOk(await service.post('/v1/tickets', reportBody()), 201).body.ticketId as string;
  for (const [verb, body] of verbs) expectOk(await service.post(`/v1/tickets/${id}/${verb}`, body));
  return id;
}

const statuses = (answers: HttpAnswer[]) => answers.map((a) => a.status).sort();

describe('racing commands on one ticket', () => {
  it('accepts exactly one of 20 concurrent acknowledgements; the 19 others are 409 and the store holds one', async () => {
    const id = await newTicket();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge({ by: `agent-${i}` }))),
    );
    expect(statuses(answers)).toEqual([200, ...Array(19).fill(409)]);
    const winner = answers.find((a) => a.status === 200)!;
    expect(winner.body).toMatchObject({ ticketId: id, revision: 1 });
    for (const loser of answers.filter((a) => a.status === 409)) {
      expect(loser.body.code).toBe('INVALID_TRANSITION');
      expect(loser.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }

    const events = storedEvents(app.dataDir, id);
    expect(events.map((e) => e.type)).toEqual(['TicketReported', 'ResponseAcknowledged']);
    // The stored acknowledgement is the winner's.
    const state = expectOk(await service.get(`/v1/tickets/${id}`)).body;
    expect(state.acknowledgedBy).toBe(events[1].data.by);
    expect(events[1].position).toBe(Number(winner.body.position));
  });

  it('gives each accepted concurrent dispatch its own revision, and stores exactly the accepted ones', async () => {
    const id = await newTicket(['acknowledge', bodies.acknowledge()]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch(`eng-${i}`, 'onsite'))),
    );
    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    // Different engineers do not exclude each other: a conflict is decided again, a bounded
    // number of times; what gives up says so with a 409.
    expect(accepted.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.status).toBe(409);
      expect(answer.body.code).toBe('CONCURRENCY_CONFLICT');
    }
    const revisions = accepted.map((a) => a.body.revision as number).sort((a, b) => a - b);
    expect(revisions).toEqual(accepted.map((_, i) => i + 2));

    const dispatched = storedEvents(app.dataDir, id).filter((e) => e.type === 'EngineerDispatched');
    expect(dispatched).toHaveLength(accepted.length);
    expect(new Set(dispatched.map((e) => e.data.engineerId)).size).toBe(accepted.length);
    expect(expectOk(await service.get(`/v1/tickets/${id}`)).body.dispatches).toHaveLength(accepted.length);
  });

  it('answers 10 concurrent retries of one Idempotency-Key alike, with one event stored', async () => {
    const id = await newTicket();
    const key = `concurrent-retry-${process.pid}-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge(), { 'idempotency-key': key })),
    );
    expect(statuses(answers)).toEqual(Array(10).fill(200));
    for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(storedEvents(app.dataDir, id).map((e) => e.type)).toEqual(['TicketReported', 'ResponseAcknowledged']);
  });

  it('lets one of 10 concurrent commands with the same If-Match through; the others are 412', async () => {
    const id = await newTicket(['acknowledge', bodies.acknowledge()]);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch(`eng-${i}`, 'onsite'), { 'if-match': '"1"' })),
    );
    expect(statuses(answers)).toEqual([200, ...Array(9).fill(412)]);
    for (const loser of answers.filter((a) => a.status === 412)) expect(loser.body.code).toBe('REVISION_MISMATCH');
    expect(storedEvents(app.dataDir, id).filter((e) => e.type === 'EngineerDispatched')).toHaveLength(1);
  });

  it('reports one chosen ticket id once when 10 reports of it race: one 201, nine 409 TICKET_ALREADY_EXISTS', async () => {
    const ticketId = '7d2f8a1e-3b4c-4d5e-8f60-718293a4b5c6';
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => service.post('/v1/tickets', reportBody({ ticketId, customerId: `racer-${i}` }))),
    );
    expect(statuses(answers)).toEqual([201, ...Array(9).fill(409)]);
    for (const loser of answers.filter((a) => a.status === 409)) expect(loser.body.code).toBe('TICKET_ALREADY_EXISTS');
    const events = storedEvents(app.dataDir, ticketId);
    expect(events).toHaveLength(1);
    const winner = answers.find((a) => a.status === 201)!;
    expect(events[0].position).toBe(Number(winner.body.position));
  });

  it('gives 10 racing reports with one Idempotency-Key and no ticketId one ticket, reported once', async () => {
    const key = `racing-report-${process.pid}-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 10 }, () => service.post('/v1/tickets', reportBody(), { 'idempotency-key': key })));
    expect(statuses(answers)).toEqual(Array(10).fill(201));
    const ids = new Set(answers.map((a) => a.body.ticketId));
    expect(ids.size).toBe(1);
    for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
    expect(storedEvents(app.dataDir, [...ids][0]).map((e) => e.type)).toEqual(['TicketReported']);
  });

  it('reports 20 tickets concurrently, each once, at distinct positions', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => service.post('/v1/tickets', reportBody({ customerId: `c-${i}` }))));
    expect(statuses(answers)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.body.ticketId)).size).toBe(20);
    expect(new Set(answers.map((a) => a.body.position)).size).toBe(20);
    for (const answer of answers) expect(storedEvents(app.dataDir, answer.body.ticketId)).toHaveLength(1);
  });
});
