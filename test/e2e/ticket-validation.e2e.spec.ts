import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client, HttpAnswer } from '../support/http-client';
import { bodies, countAllEvents, expectOk, registerAsset, reportBody, startTestApp, storedEvents, timeline, type TestApp } from './harness';

/**
 * Bad input never reaches the store: each request below is refused with a problem+json answer
 * that names what is wrong (field errors on a 400), carries no stack trace, and appends nothing.
 */
let app: TestApp;
let service: Client;
/** A ticket that is acknowledged, restored and has nothing else: commands below target it. */
let restoredId: string;

beforeAll(async () => {
  app = await startTestApp();
  service = app.api.as('service');
  restoredId = expectOk(await service.post('/v1/tickets', reportBody()), 201).body.ticketId;
  expectOk(await service.post(`/v1/tickets/${restoredId}/acknowledge`, bodies.acknowledge()));
  expectOk(await service.post(`/v1/tickets/${restoredId}/restore`, bodies.restore()));
});
afterAll(async () => {
  await app?.stop();
});

/** A problem answer without internals: problem+json, the RFC 9457 members, no stack trace. */
function expectCleanProblem(answer: HttpAnswer, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, code: expect.stringMatching(/^[A-Z_]+$/) });
  expect(answer.text).not.toMatch(/at \//);
  expect(answer.text).not.toMatch(/\.ts:|\.js:\d/);
  expect(answer.text).not.toMatch(/stack/i);
  expect(answer.text).not.toContain(process.cwd());
}

/** The field names of a 400's `errors`. */
const fields = (answer: HttpAnswer): string[] => (answer.body?.errors ?? []).map((e: { field: string }) => e.field);

/** Runs `send`, asserts the store did not grow, and returns the answer. */
async function appendsNothing(send: () => Promise<HttpAnswer>): Promise<HttpAnswer> {
  const before = countAllEvents(app.dataDir);
  const answer = await send();
  expect(countAllEvents(app.dataDir)).toBe(before);
  return answer;
}

describe('400 VALIDATION_FAILED with field errors', () => {
  it('lists every missing required field of a report', async () => {
    const answer = await appendsNothing(() => service.post('/v1/tickets', {}));
    expectCleanProblem(answer, 400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(fields(answer).sort()).toEqual(['channel', 'customerId', 'kind', 'severity', 'summary']);
    for (const error of answer.body.errors) expect(error.message).toEqual(expect.any(String));
  });

  it.each<[string, string, Record<string, unknown>, string]>([
    ['acknowledge without by', 'acknowledge', {}, 'by'],
    ['dispatch without tier', 'dispatch', { engineerId: 'eng-li' }, 'tier'],
    ['restore without resolution', 'restore', { by: 'eng-li' }, 'resolution'],
    ['report without loss', 'report', { faultType: 'hw', cause: 'c', method: 'm', by: 'eng-li' }, 'loss'],
    ['satisfaction without score', 'satisfaction', { kind: 'onsite' }, 'score'],
    ['reopen without reason', 'reopen', {}, 'reason'],
  ])('%s', async (_name, verb, body, field) => {
    const answer = await appendsNothing(() => service.post(`/v1/tickets/${restoredId}/${verb}`, body));
    expectCleanProblem(answer, 400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(fields(answer)).toEqual([field]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a channel outside the list', { channel: 'pigeon' }, 'channel'],
    ['a kind outside the list', { kind: 'complaint' }, 'kind'],
    ['a severity outside the list', { severity: 'critical' }, 'severity'],
    ['a zone outside the list', { zone: 'rural' }, 'zone'],
    ['an unknown field', { priority: 'high' }, 'priority'],
    ['a ticketId that is not a UUID', { ticketId: 'ticket-1' }, 'ticketId'],
    ['a summary of 2001 characters', { summary: 'x'.repeat(2001) }, 'summary'],
    ['a blank summary', { summary: '   ' }, 'summary'],
    ['a customerId of 101 characters', { customerId: 'c'.repeat(101) }, 'customerId'],
    ['a customerId with a space', { customerId: 'customer 42' }, 'customerId'],
    ['a category of 101 characters', { category: 'c'.repeat(101) }, 'category'],
    ['a number for a text field', { summary: 42 }, 'summary'],
  ])('a report with %s', async (_name, change, field) => {
    const answer = await appendsNothing(() => service.post('/v1/tickets', reportBody(change)));
    expectCleanProblem(answer, 400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(fields(answer)).toEqual([field]);
  });

  it('accepts text and ids at their longest, and every word of each list', async () => {
    const id = expectOk(
      await service.post('/v1/tickets', reportBody({ summary: 's'.repeat(2000), customerId: 'c'.repeat(100), category: 'k'.repeat(100), channel: 'fax', zone: 'suburban', severity: 'general' })),
      201,
    ).body.ticketId;
    expect((await service.get(`/v1/tickets/${id}`)).body).toMatchObject({ summary: 's'.repeat(2000), customerId: 'c'.repeat(100), channel: 'fax', zone: 'suburban' });
    for (const channel of ['phone', 'fax', 'web', 'email', 'onsite']) expectOk(await service.post('/v1/tickets', reportBody({ channel })), 201);
    await registerAsset(service, 'asset-hq-network');
    for (const kind of ['relocation', 'rebuild', 'inspection']) expectOk(await service.post('/v1/tickets', reportBody({ kind, assetId: 'asset-hq-network' })), 201);
  });

  it('refuses an unknown field on a command and names it', async () => {
    const answer = await appendsNothing(() => service.post(`/v1/tickets/${restoredId}/revisit`, bodies.revisit({ rating: 5 })));
    expectCleanProblem(answer, 400);
    expect(answer.body.errors).toEqual([{ field: 'rating', message: expect.any(String) }]);
  });

  it.each<[string, unknown]>([
    ['0', 0],
    ['6', 6],
    ['4.5', 4.5],
    ['-1', -1],
    ['"5" (a string)', '5'],
    ['true', true],
    ['null', null],
  ])('refuses a satisfaction score of %s', async (_name, score) => {
    const answer = await appendsNothing(() => service.post(`/v1/tickets/${restoredId}/satisfaction`, { kind: 'onsite', score }));
    expectCleanProblem(answer, 400);
    expect(fields(answer)).toEqual(['score']);
  });

  it('refuses a satisfaction kind outside the list', async () => {
    const answer = await appendsNothing(() => service.post(`/v1/tickets/${restoredId}/satisfaction`, { kind: 'price', score: 5 }));
    expectCleanProblem(answer, 400);
    expect(fields(answer)).toEqual(['kind']);
  });

  it('refuses a null where an optional text may be left out', async () => {
    const answer = await appendsNothing(() => service.post(`/v1/tickets/${restoredId}/satisfaction`, { kind: 'onsite', score: 5, comment: null }));
    expectCleanProblem(answer, 400);
    expect(fields(answer)).toEqual(['comment']);
  });

  it.each<[string, unknown]>([
    ['an array', []],
    ['a number', 42],
    ['a string', 'desk-agent-7'],
  ])('refuses a body that is %s', async (_name, body) => {
    const answer = await appendsNothing(() => service.send({ method: 'POST', path: `/v1/tickets/${restoredId}/revisit`, body: JSON.stringify(body) }));
    expectCleanProblem(answer, 400);
  });

  it('refuses an asset kind without an assetId', async () => {
    const answer = await appendsNothing(() => service.post('/v1/tickets', reportBody({ kind: 'inspection' })));
    expectCleanProblem(answer, 400);
    expect(fields(answer)).toEqual(['assetId']);
  });
});

describe('business time `at`', () => {
  it.each<[string, unknown]>([
    ['not ISO 8601', 'yesterday at ten'],
    ['without a zone', '2026-01-15T10:00:00'],
    ['a date only', '2026-01-15'],
    ['an impossible date', '2025-02-30T10:00:00Z'],
    ['an impossible hour', '2025-01-01T24:00:00Z'],
    ['an impossible offset', '2025-01-01T10:00:00+25:00'],
    ['a number', 1767261600000],
  ])('refuses an `at` that is %s: 400 naming the field', async (_name, at) => {
    const answer = await appendsNothing(() => service.post('/v1/tickets', reportBody({ at })));
    expectCleanProblem(answer, 400);
    expect(fields(answer)).toEqual(['at']);
  });

  it('refuses an `at` in the future: 400 AT_IN_FUTURE', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const report = await appendsNothing(() => service.post('/v1/tickets', reportBody({ at: inAnHour })));
    expectCleanProblem(report, 400);
    expect(report.body.code).toBe('AT_IN_FUTURE');
    expect(fields(report)).toEqual(['at']);

    const revisit = await appendsNothing(() => service.post(`/v1/tickets/${restoredId}/revisit`, bodies.revisit({ at: inAnHour })));
    expectCleanProblem(revisit, 400);
    expect(revisit.body.code).toBe('AT_IN_FUTURE');
  });

  it('refuses an `at` before the ticket\'s last event: AT_BEFORE_LAST_EVENT, and accepts one equal to it', async () => {
    const t = timeline(2);
    const id = expectOk(await service.post('/v1/tickets', reportBody({ at: t.at(0) })), 201).body.ticketId;
    expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge({ at: t.at(30) })));

    const earlier = await appendsNothing(() => service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-li', 'onsite', { at: t.at(29) })));
    expectCleanProblem(earlier, earlier.status);
    expect([400, 409]).toContain(earlier.status);
    expect(earlier.body.code).toBe('AT_BEFORE_LAST_EVENT');

    // The same instant written in another zone is not earlier.
    expectOk(await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-li', 'onsite', { at: t.inZone(30, '+08:00') })));
    expect(storedEvents(app.dataDir, id).map((e) => e.data.at)).toEqual([t.at(0), t.at(30), t.at(30)]);
  });
});

describe('the request itself', () => {
  it('refuses a non-UUID ticket id in the path: 400 INVALID_TICKET_ID', async () => {
    for (const answer of [
      await service.get('/v1/tickets/not-a-uuid'),
      await service.post('/v1/tickets/not-a-uuid/acknowledge', bodies.acknowledge()),
      await service.post('/v1/tickets/1234/close', bodies.close()),
    ]) {
      expectCleanProblem(answer, 400);
      expect(answer.body.code).toBe('INVALID_TICKET_ID');
    }
  });

  // UUIDs are case-insensitive (RFC 9562, section 4): the same UUID in upper case is the same
  // ticket. The app lower-cases ticket ids from the path and the body.
  it('never holds two tickets for one UUID written in two cases', async () => {
    const lower = 'aaaaaaaa-bbbb-4ccc-8ddd-000000000001';
    expectOk(await service.post('/v1/tickets', reportBody({ ticketId: lower })), 201);
    const upper = await service.post('/v1/tickets', reportBody({ ticketId: lower.toUpperCase(), summary: 'A second ticket?' }));
    // Either refused as a duplicate (409) or as a non-canonical id (400); never a new ticket.
    expect([400, 409]).toContain(upper.status);
    const read = await service.get(`/v1/tickets/${lower.toUpperCase()}`);
    expect(read.status === 400 || (read.status === 200 && read.body.ticketId === lower)).toBe(true);
  });

  it('refuses a body over 64 KiB: 413 PAYLOAD_TOO_LARGE', async () => {
    const answer = await appendsNothing(() => service.post(`/v1/tickets/${restoredId}/revisit`, bodies.revisit({ outcome: 'x'.repeat(70 * 1024) })));
    expectCleanProblem(answer, 413);
    expect(answer.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses text/plain: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const answer = await appendsNothing(() =>
      service.send({ method: 'POST', path: `/v1/tickets/${restoredId}/revisit`, body: JSON.stringify(bodies.revisit()), contentType: 'text/plain' }),
    );
    expectCleanProblem(answer, 415);
    expect(answer.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses application/xml: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const answer = await appendsNothing(() =>
      service.send({ method: 'POST', path: `/v1/tickets/${restoredId}/revisit`, body: '<revisit by="x"/>', contentType: 'application/xml' }),
    );
    expectCleanProblem(answer, 415);
  });

  // the service contract: JSON over HTTP. A form body is a 415 and appends nothing.
  it('refuses a form-urlencoded body: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const answer = await appendsNothing(() =>
      service.send({
        method: 'POST',
        path: `/v1/tickets/${restoredId}/revisit`,
        body: 'by=desk-agent-7&outcome=called%20back',
        contentType: 'application/x-www-form-urlencoded',
      }),
    );
    expectCleanProblem(answer, 415);
  });

  it('refuses malformed JSON: 400', async () => {
    const answer = await appendsNothing(() => service.send({ method: 'POST', path: `/v1/tickets/${restoredId}/revisit`, body: '{"by": "desk-agent-7",' }));
    expectCleanProblem(answer, 400);
  });

  it('refuses an empty JSON body: 400', async () => {
    const answer = await appendsNothing(() => service.send({ method: 'POST', path: `/v1/tickets/${restoredId}/revisit`, body: '' }));
    expectCleanProblem(answer, 400);
  });

  it('refuses a JSON body that tries to set __proto__: 400', async () => {
    const answer = await appendsNothing(() =>
      service.send({ method: 'POST', path: `/v1/tickets/${restoredId}/revisit`, body: '{"by":"a","outcome":"b","__proto__":{"polluted":true}}' }),
    );
    expectCleanProblem(answer, 400);
  });

  it('refuses an unknown policyId: 400 UNKNOWN_POLICY naming the field', async () => {
    const answer = await appendsNothing(() => service.post('/v1/tickets', reportBody({ policyId: 'gold-plus' })));
    expectCleanProblem(answer, 400);
    expect(answer.body.code).toBe('UNKNOWN_POLICY');
    expect(fields(answer)).toEqual(['policyId']);
  });

  it('opens a ticket under a named policy, at its newest version', async () => {
    const id = expectOk(await service.post('/v1/tickets', reportBody({ policyId: 'dealer-service' })), 201).body.ticketId;
    expect((await service.get(`/v1/tickets/${id}`)).body).toMatchObject({ policyId: 'dealer-service', policyVersion: 1 });
  });

  it('refuses a malformed X-Correlation-Id or If-Match header: 400 INVALID_HEADER', async () => {
    for (const headers of [{ 'x-correlation-id': 'has a space' }, { 'if-match': 'yesterday' }] as Array<Record<string, string>>) {
      const answer = await appendsNothing(() => service.post(`/v1/tickets/${restoredId}/revisit`, bodies.revisit(), headers));
      expectCleanProblem(answer, 400);
      expect(answer.body.code).toBe('INVALID_HEADER');
    }
  });

  it('answers an unknown route with a 404 problem', async () => {
    const answer = await service.get('/v1/nothing-here');
    expectCleanProblem(answer, 404);
  });
});
