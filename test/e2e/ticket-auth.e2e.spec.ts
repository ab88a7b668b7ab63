import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_KEYS, type HttpAnswer } from '../support/http-client';
import { bodies, countAllEvents, expectOk, reportBody, startTestApp, storedEvents, type TestApp } from './harness';

/**
 * API keys and roles (the service contract): no key or an unknown key is a 401 with a Bearer
 * challenge, a role that may not call the route is a 403, and neither appends anything.
 */
let app: TestApp;
let ticketId: string;

beforeAll(async () => {
  app = await startTestApp();
  ticketId = expectOk(await app.api.as('service').post('/v1/tickets', reportBody()), 201).body.ticketId;
});
afterAll(async () => {
  await app?.stop();
});

function expectProblem(answer: HttpAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
}

async function appendsNothing(send: () => Promise<HttpAnswer>): Promise<HttpAnswer> {
  const before = countAllEvents(app.dataDir);
  const answer = await send();
  expect(countAllEvents(app.dataDir)).toBe(before);
  return answer;
}

describe('401 without a valid key', () => {
  it('refuses a command and a read without a key, with a Bearer challenge', async () => {
    const command = await appendsNothing(() => app.api.post(`/v1/tickets/${ticketId}/acknowledge`, bodies.acknowledge()));
    expectProblem(command, 401, 'UNAUTHORIZED');
    expect(command.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const read = await app.api.get(`/v1/tickets/${ticketId}`);
    expectProblem(read, 401, 'UNAUTHORIZED');
    expect(read.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(read.text).not.toContain('customer-042');
  });

  it.each<[string, Record<string, string>]>([
    ['an unknown key', { authorization: 'Bearer not-a-key-of-this-server' }],
    ['a valid key with one character more', { authorization: `Bearer ${TEST_KEYS.service}x` }],
    ['a prefix of a valid key', { authorization: `Bearer ${TEST_KEYS.service.slice(0, -1)}` }],
    ['a valid key under another scheme', { authorization: `Basic ${TEST_KEYS.service}` }],
    ['the scheme alone', { authorization: 'Bearer' }],
    ['the key without a scheme', { authorization: TEST_KEYS.service }],
  ])('refuses %s', async (_name, headers) => {
    const answer = await appendsNothing(() =>
      app.api.send({ method: 'POST', path: `/v1/tickets/${ticketId}/acknowledge`, body: bodies.acknowledge(), headers }),
    );
    expectProblem(answer, 401, 'UNAUTHORIZED');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(answer.text).not.toContain(TEST_KEYS.service);
  });

  it('checks the key before the body: no key and an invalid body is a 401, not a 400', async () => {
    const answer = await appendsNothing(() => app.api.post('/v1/tickets', { nonsense: true }));
    expectProblem(answer, 401, 'UNAUTHORIZED');
  });

  it('says nothing about whether a ticket exists to a caller without a key', async () => {
    const answer = await app.api.get('/v1/tickets/00000000-0000-4000-8000-00000000abcd');
    expectProblem(answer, 401, 'UNAUTHORIZED');
  });

  it('leaves the health endpoints open', async () => {
    expect((await app.api.get('/health/live')).status).toBe(200);
    expect((await app.api.get('/health/ready')).status).toBe(200);
  });
});

describe('403 for a role that may not call the route', () => {
  it.each(['analyst', 'auditor'] as const)('refuses every command to the %s role', async (role) => {
    const client = app.api.as(role);
    for (const [path, body] of [
      ['/v1/tickets', reportBody()],
      [`/v1/tickets/${ticketId}/acknowledge`, bodies.acknowledge()],
      [`/v1/tickets/${ticketId}/close`, bodies.close()],
    ] as const) {
      const answer = await appendsNothing(() => client.post(path, body));
      expectProblem(answer, 403, 'FORBIDDEN');
      expect(answer.headers.get('www-authenticate')).toBeNull();
    }
  });

  it('refuses the ticket state to the analyst role', async () => {
    expectProblem(await app.api.as('analyst').get(`/v1/tickets/${ticketId}`), 403, 'FORBIDDEN');
  });

  it('checks the role before the ticket: an analyst gets 403, not 404, for an unknown ticket', async () => {
    const answer = await app.api.as('analyst').post('/v1/tickets/00000000-0000-4000-8000-00000000abcd/acknowledge', bodies.acknowledge());
    expectProblem(answer, 403, 'FORBIDDEN');
  });
});

describe('roles that may', () => {
  it('lets the auditor read a ticket, with its ETag', async () => {
    const answer = expectOk(await app.api.as('auditor').get(`/v1/tickets/${ticketId}`));
    expect(answer.body).toMatchObject({ ticketId, status: 'reported', revision: 0 });
    expect(answer.headers.get('etag')).toBe('"0"');
  });

  it('lets the admin send commands and read, and records the admin as the actor', async () => {
    const admin = app.api.as('admin');
    const reported = expectOk(await admin.post('/v1/tickets', reportBody()), 201);
    const id = reported.body.ticketId as string;
    expectOk(await admin.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge()));
    expect(expectOk(await admin.get(`/v1/tickets/${id}`)).body.status).toBe('acknowledged');
    const actors = storedEvents(app.dataDir, id).map((e) => e.metadata.actor.role);
    expect(actors).toEqual(['admin', 'admin']);
  });
});

describe('rate limiting per key', () => {
  let limited: TestApp;

  beforeAll(async () => {
    limited = await startTestApp({ RATE_LIMIT_PER_SECOND: '2' });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('answers 429 with Retry-After past the rate of one key, appends nothing for it, and leaves other keys alone', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => limited.api.as('service').post('/v1/tickets', reportBody({ customerId: `burst-${i}` }))));
    const accepted = answers.filter((a) => a.status === 201);
    const throttled = answers.filter((a) => a.status === 429);
    expect(accepted.length + throttled.length).toBe(12);
    expect(throttled.length).toBeGreaterThan(0);
    for (const answer of throttled) {
      expectProblem(answer, 429, 'RATE_LIMITED');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    for (const answer of accepted) expect(storedEvents(limited.dataDir, answer.body.ticketId)).toHaveLength(1);
    expect(countAllEvents(limited.dataDir)).toBe(accepted.length);

    // Another key has its own budget.
    expectOk(await limited.api.as('admin').post('/v1/tickets', reportBody()), 201);
  });
});
