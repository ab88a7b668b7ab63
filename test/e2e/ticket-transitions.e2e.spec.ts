import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client, HttpAnswer } from '../support/http-client';
import { bodies, expectOk, reportBody, startTestApp, storedEvents, type TestApp } from './harness';

/**
 * Every command the ticket's state does not allow is a 409 problem with a stable code, and
 * appends nothing; a command on a ticket that does not exist is a 404.
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

type Step = [verb: string, body: Record<string, unknown>];

const ACK: Step = ['acknowledge', bodies.acknowledge()];
const DISPATCH: Step = ['dispatch', bodies.dispatch('eng-li', 'onsite')];
const ARRIVE: Step = ['arrive', bodies.arrive('eng-li')];
const RESTORE: Step = ['restore', bodies.restore()];
const REPORT: Step = ['report', bodies.report()];
const CLOSE: Step = ['close', bodies.close()];

/** A new ticket taken through `steps` (each must succeed); returns its id. */
async function ticketAfter(steps: Step[], report: Record<string, unknown> = {}): Promise<string> {
  const id = expectOk(await service.post('/v1/tickets', reportBody(report)), 201).body.ticketId as string;
  for (const [verb, body] of steps) expectOk(await service.post(`/v1/tickets/${id}/${verb}`, body));
  return id;
}

/** Asserts a problem answer: status, code, problem+json, the request path as instance. */
function expectProblem(answer: HttpAnswer, status: number, code: string, instance?: string): void {
  expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  if (instance) expect(answer.body.instance).toBe(instance);
}

describe('commands the state does not allow', () => {
  // Rows have exactly as many cells as the test function has parameters: an extra parameter
  // would be taken by Jest for a `done` callback.
  const cases: Array<[name: string, before: Step[], refused: Step]> = [
    ['acknowledge twice', [ACK], ACK],
    ['dispatch before acknowledge', [], DISPATCH],
    ['arrive without a dispatch', [ACK], ARRIVE],
    ['arrive for another engineer than the one dispatched', [ACK, DISPATCH], ['arrive', bodies.arrive('eng-zhao')]],
    ['dispatch an engineer who has not arrived from the last dispatch', [ACK, DISPATCH], DISPATCH],
    ['dispatch after restore', [ACK, RESTORE], DISPATCH],
    ['restore before acknowledge', [], RESTORE],
    ['restore twice', [ACK, RESTORE], RESTORE],
    ['file the report before restore', [ACK], REPORT],
    ['file the report twice', [ACK, RESTORE, REPORT], REPORT],
    ['close a fault before its report', [ACK, RESTORE], CLOSE],
    ['close an open ticket', [ACK], CLOSE],
    ['close twice', [ACK, RESTORE, REPORT, CLOSE], CLOSE],
    ['rate before restore', [ACK], ['satisfaction', bodies.satisfaction('onsite', 5)]],
    ['rate the same kind twice', [ACK, RESTORE, ['satisfaction', bodies.satisfaction('onsite', 5)]], ['satisfaction', bodies.satisfaction('onsite', 2)]],
    [
      'rate the same kind again after a reopen (ratings are once per ticket life)',
      [ACK, RESTORE, ['satisfaction', bodies.satisfaction('onsite', 2)], ['reopen', bodies.reopen()], RESTORE],
      ['satisfaction', bodies.satisfaction('onsite', 5)],
    ],
    ['arrive for a dispatch that a restore stood down', [ACK, DISPATCH, RESTORE, ['reopen', bodies.reopen()]], ARRIVE],
    ['revisit before restore', [ACK], ['revisit', bodies.revisit()]],
    ['resume a ticket that is not paused', [ACK], ['resume', bodies.resume()]],
    ['pause a paused ticket', [ACK, ['pause', bodies.pause()]], ['pause', bodies.pause({ reason: 'awaiting-customer' })]],
    ['pause a restored ticket', [ACK, RESTORE], ['pause', bodies.pause()]],
    ['pause a closed ticket', [ACK, RESTORE, REPORT, CLOSE], ['pause', bodies.pause()]],
    ['reprioritize a restored ticket', [ACK, RESTORE], ['reprioritize', bodies.reprioritize('general')]],
    ['reprioritize to the same severity', [], ['reprioritize', bodies.reprioritize('major')]],
    ['reopen a reported ticket', [], ['reopen', bodies.reopen()]],
    ['reopen an acknowledged ticket', [ACK], ['reopen', bodies.reopen()]],
  ];

  it.each(cases)('%s: 409 INVALID_TRANSITION, nothing appended', async (_name, before, [verb, body]) => {
    const id = await ticketAfter(before);
    const eventsBefore = storedEvents(app.dataDir, id);
    const answer = await service.post(`/v1/tickets/${id}/${verb}`, body);
    expectProblem(answer, 409, 'INVALID_TRANSITION', `/v1/tickets/${id}/${verb}`);
    expect(answer.headers.get('etag')).toBeNull();
    expect(storedEvents(app.dataDir, id)).toEqual(eventsBefore);
    const state = await service.get(`/v1/tickets/${id}`);
    expect(state.body.revision).toBe(eventsBefore.length - 1);
  });

  it('refuses to report a ticket id that already exists: 409 TICKET_ALREADY_EXISTS, the first report kept', async () => {
    const id = await ticketAfter([ACK]);
    const again = await service.post('/v1/tickets', reportBody({ ticketId: id, customerId: 'someone-else', summary: 'Another story' }));
    expectProblem(again, 409, 'TICKET_ALREADY_EXISTS', '/v1/tickets');
    const events = storedEvents(app.dataDir, id);
    expect(events.map((e) => e.type)).toEqual(['TicketReported', 'ResponseAcknowledged']);
    expect((await service.get(`/v1/tickets/${id}`)).body).toMatchObject({ customerId: 'customer-042', status: 'acknowledged' });
  });
});

describe('a ticket that does not exist', () => {
  const unknown = '00000000-0000-4000-8000-000000000001';

  it.each<Step>([
    ACK,
    DISPATCH,
    ARRIVE,
    ['pause', bodies.pause()],
    ['resume', bodies.resume()],
    ['reprioritize', bodies.reprioritize('general')],
    RESTORE,
    REPORT,
    ['satisfaction', bodies.satisfaction('onsite', 5)],
    ['revisit', bodies.revisit()],
    CLOSE,
    ['reopen', bodies.reopen()],
  ])('%s: 404 TICKET_NOT_FOUND, and no stream is created', async (verb, body) => {
    const answer = await service.post(`/v1/tickets/${unknown}/${verb}`, body);
    expectProblem(answer, 404, 'TICKET_NOT_FOUND', `/v1/tickets/${unknown}/${verb}`);
    expect(storedEvents(app.dataDir, unknown)).toEqual([]);
  });

  it('GET: 404 TICKET_NOT_FOUND', async () => {
    const answer = await service.get(`/v1/tickets/${unknown}`);
    expectProblem(answer, 404, 'TICKET_NOT_FOUND', `/v1/tickets/${unknown}`);
    expect(answer.headers.get('etag')).toBeNull();
  });
});
