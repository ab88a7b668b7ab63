import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HttpAnswer } from '../support/http-client';
import { Desk, MINUTE, nowSecond, startViewsApp, type ViewsApp } from '../support/views-scenario';

/**
 * The query strings of the analyst views are validated strictly (the service contract-9): a bad value
 * or an unknown parameter is a 400 problem+json naming the field; the views are for the analyst
 * role (and admin, which may call everything); no key is a 401, another role a 403.
 */

let app: ViewsApp;
const desk = new Desk(() => app.service);

beforeAll(async () => {
  app = await startViewsApp();
  // One ticket, so that there is a position to wait for.
  const ticket = await desk.report(nowSecond() - 20 * MINUTE, { customerId: 'c-v', severity: 'general' });
  await ticket.acknowledge(MINUTE);
});
afterAll(async () => {
  await app?.stop();
});

const COMPLIANCE = '/v1/views/sla-compliance';
const TICKETS = '/v1/views/sla-compliance/tickets';
const SATISFACTION = '/v1/views/satisfaction';

function expectProblem(answer: HttpAnswer, status: number, code: string, field?: string) {
  const summary = { status: answer.status, contentType: answer.headers.get('content-type'), code: answer.body?.code };
  expect(summary).toEqual({ status, contentType: expect.stringMatching(/^application\/problem\+json/), code });
  expect(answer.body.status).toBe(status);
  if (field !== undefined) expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  // No stack trace, no file paths.
  expect(answer.text).not.toMatch(/\.(ts|js):\d+/);
}

describe('400 for a bad query', () => {
  const bad: Array<[string, string, string]> = [
    [COMPLIANCE, 'groupBy=year', 'groupBy'],
    [COMPLIANCE, 'groupBy=', 'groupBy'],
    [COMPLIANCE, 'groupBy=month&groupBy=day', 'groupBy'],
    [COMPLIANCE, 'from=yesterday', 'from'],
    [COMPLIANCE, 'from=2026-13-01', 'from'],
    [COMPLIANCE, 'from=2026-11-01T25:00:00Z', 'from'],
    [COMPLIANCE, 'to=1700000000000', 'to'],
    [COMPLIANCE, 'foo=1', 'foo'],
    [COMPLIANCE, 'metric=speed', 'metric'],
    [COMPLIANCE, 'severity=critical', 'severity'],
    [COMPLIANCE, 'format=xml', 'format'],
    [COMPLIANCE, 'customerId=bad%20id', 'customerId'],
    [COMPLIANCE, 'outcome=met', 'outcome'], //                       only the per-ticket rows filter by outcome
    [COMPLIANCE, 'limit=10', 'limit'],
    [COMPLIANCE, 'minPosition=abc', 'minPosition'],
    [COMPLIANCE, 'minPosition=-1', 'minPosition'],
    [COMPLIANCE, 'minPosition=1.5', 'minPosition'],
    [COMPLIANCE, 'minPosition=12%2F', 'minPosition'],
    [TICKETS, 'limit=0', 'limit'],
    [TICKETS, 'limit=501', 'limit'],
    [TICKETS, 'limit=abc', 'limit'],
    [TICKETS, 'limit=1.5', 'limit'],
    [TICKETS, 'offset=-1', 'offset'],
    [TICKETS, 'outcome=late', 'outcome'],
    [TICKETS, 'metric=consultationAverage', 'metric'],
    [TICKETS, 'groupBy=year', 'groupBy'],
    [TICKETS, 'minPosition=latest', 'minPosition'],
    [TICKETS, 'bar=baz', 'bar'],
    [SATISFACTION, 'metric=response', 'metric'],
    [SATISFACTION, 'limit=10', 'limit'],
    [SATISFACTION, 'groupBy=quarter', 'groupBy'],
    [SATISFACTION, 'minPosition=x', 'minPosition'],
  ];
  it.each(bad)('%s?%s -> 400 naming %s', async (path, query, field) => {
    expectProblem(await app.analyst.get(`${path}?${query}`), 400, 'VALIDATION_FAILED', field);
  });

  it('an unknown field reads "is not allowed"', async () => {
    const answer = await app.analyst.get(`${COMPLIANCE}?foo=1`);
    expect(answer.body.errors).toEqual([{ field: 'foo', message: 'is not allowed' }]);
  });

  it('an unknown policy for the satisfaction targets is a 400 naming policyId', async () => {
    expectProblem(await app.analyst.get(`${SATISFACTION}?policyId=no-such-policy`), 400, 'UNKNOWN_POLICY', 'policyId');
  });

  it('the limits themselves are accepted: limit 1 and 500, offset 0', async () => {
    for (const query of ['limit=1', 'limit=500', 'offset=0', 'limit=1&offset=1']) {
      const answer = await app.analyst.get(`${TICKETS}?${query}&minPosition=${desk.position}`);
      expect({ query, status: answer.status }).toEqual({ query, status: 200 });
    }
  });

  it('a date alone means 00:00 UTC; a date-time with an offset is read as its instant', async () => {
    const answer = await app.analyst.get(`${COMPLIANCE}?from=2026-11-01&to=${encodeURIComponent('2026-12-01T08:00:00+08:00')}`);
    expect(answer.status).toBe(200);
    expect({ from: answer.body.from, to: answer.body.to }).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
  });
});

describe('who may read the views', () => {
  const paths = [COMPLIANCE, TICKETS, SATISFACTION];

  it('no key: 401 with WWW-Authenticate: Bearer, even for a bad query', async () => {
    for (const path of paths) {
      const answer = await app.api.get(path);
      expectProblem(answer, 401, 'UNAUTHORIZED');
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expectProblem(await app.api.get(`${path}?groupBy=year`), 401, 'UNAUTHORIZED');
    }
  });

  it('an unknown key: 401', async () => {
    for (const path of paths) expectProblem(await app.api.withKey('not-a-key-0123456789').get(path), 401, 'UNAUTHORIZED');
  });

  it('the service and auditor keys: 403', async () => {
    for (const path of paths) {
      expectProblem(await app.api.as('service').get(path), 403, 'FORBIDDEN');
      expectProblem(await app.api.as('auditor').get(path), 403, 'FORBIDDEN');
    }
  });

  it('the analyst and admin keys: 200', async () => {
    for (const path of paths) {
      expect((await app.api.as('analyst').get(path)).status).toBe(200);
      expect((await app.api.as('admin').get(path)).status).toBe(200);
    }
  });
});

describe('minPosition', () => {
  it('a position the view has applied answers at once', async () => {
    for (const path of [COMPLIANCE, TICKETS, SATISFACTION]) {
      expect((await app.analyst.get(`${path}?minPosition=${desk.position}`)).status).toBe(200);
    }
  });

  it('a position beyond the log: 503 VIEW_NOT_CAUGHT_UP with Retry-After after the wait', async () => {
    const answer = await app.analyst.get(`${COMPLIANCE}?minPosition=999999999`);
    expectProblem(answer, 503, 'VIEW_NOT_CAUGHT_UP');
    expect(answer.headers.get('retry-after')).toBe('1');
  }, 20_000);
});
