import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { askView, Desk, figures, HOUR, iso, MINUTE, nowSecond, startViewsApp, view, type TicketScript, type ViewsApp } from '../support/views-scenario';

/**
 * Analyst views at the moment of the query: the per-ticket rows of open clocks are evaluated at
 * the query's now (elapsed, paused and due times, as the ticket view gives them), and a period
 * bound without a zone is refused rather than read in the server's time zone.
 */

let app: ViewsApp;
const desk = new Desk(() => app.service);
const NOW = nowSecond();
let X1: TicketScript, X2: TicketScript;

const RANGE = { from: iso(NOW - 4 * HOUR), to: iso(NOW + HOUR) };

beforeAll(async () => {
  app = await startViewsApp();
  // X1: reported 3 h ago, acknowledged after 10 min, nothing since: on-site resolution (1 h) is past due.
  X1 = await desk.report(NOW - 3 * HOUR, { customerId: 'c-x1', severity: 'general' });
  await X1.acknowledge(10 * MINUTE);
  // X2: reported 3 h ago, acknowledged after 5 min, paused after 10 min and still paused.
  X2 = await desk.report(NOW - 3 * HOUR, { customerId: 'c-x2', severity: 'general' });
  await X2.acknowledge(5 * MINUTE);
  await X2.pause(10 * MINUTE, 'awaiting-customer');
}, 60_000);
afterAll(async () => {
  await app?.stop();
});

async function row(ticket: TicketScript, metric: string) {
  const page = await view(app.analyst, '/v1/views/sla-compliance/tickets', { ...RANGE, metric, customerId: ticket === X1 ? 'c-x1' : 'c-x2', minPosition: desk.position });
  expect(page.total).toBe(1);
  return page.items[0];
}

async function clock(ticket: TicketScript, metric: string) {
  const answer = await app.service.get(`/v1/tickets/${ticket.id}`);
  expect(answer.status).toBe(200);
  return (answer.body.clocks as any[]).find((c) => c.metric === metric);
}

describe('open clocks in the per-ticket rows', () => {
  it('the aggregate decides open clocks at query time: X1 on-site breached, X2 paused counts as running', async () => {
    const body = await view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, minPosition: desk.position });
    expect(body.groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(2, 2, 0, 0, 1, 'PT30M'), //          X1 10m, X2 5m: met
          onsiteResolution: figures(2, 0, 1, 1, 0, 'PT1H'), //   X1 due 2 h ago: breached; X2 paused: running
          restoration: figures(2, 0, 0, 2, null, 'PT8H'), //     X1 due in 5 h, X2 paused: running
        },
      },
    ]);
    expect(await row(X1, 'onsiteResolution')).toMatchObject({ outcome: 'breached', paused: false, stoppedAt: null, dueAt: iso(X1.at(HOUR)) });
    expect(await row(X2, 'onsiteResolution')).toMatchObject({ outcome: 'running', paused: true, stoppedAt: null });
  });

  // GET /v1/views/sla-compliance/tickets?metric=onsiteResolution&customerId=c-x1
  // expected: elapsedMs >= 3,600,000 (the row is breached, so its target is used up) and at least the
  //           ticket view's elapsedMs read just before (about 3 h = 10,800,000)
  // actual:   elapsedMs 600,000 (the 10 minutes up to the acknowledgement, the ticket's last event)
  it('an open clock row measures elapsed time up to the query, as its outcome does', async () => {
    const live = await clock(X1, 'onsiteResolution'); // evaluated at now: about 3 h
    const stored = await row(X1, 'onsiteResolution');
    expect(stored.outcome).toBe('breached');
    expect(stored.elapsedMs).toBeGreaterThanOrEqual(HOUR);
    expect(stored.elapsedMs).toBeGreaterThanOrEqual(live.elapsedMs);
  });

  // GET /v1/views/sla-compliance/tickets?metric=onsiteResolution&customerId=c-x2
  // expected: dueAt in the future (now + the 50 min left: "when it would run out if resumed now",
  //           libs/ticketing/README), pausedMs about 2 h 50 min, as GET /v1/tickets/:id shows
  // actual:   dueAt = pause + 50 min, two hours in the past, and pausedMs 0
  it('a paused clock row shows the due time and paused time as they are at the query', async () => {
    const asked = Date.now();
    const stored = await row(X2, 'onsiteResolution');
    expect(stored.paused).toBe(true);
    // 10 min ran, 50 min left: due no earlier than (query time + 50 min).
    expect(Date.parse(stored.dueAt)).toBeGreaterThanOrEqual(asked + 50 * MINUTE - 1_000);
    // Held since X2 + 10 min.
    expect(stored.pausedMs).toBeGreaterThanOrEqual(asked - X2.at(10 * MINUTE) - 1_000);
  });
});

describe('from/to without an offset', () => {
  let shanghai: ViewsApp;
  beforeAll(async () => {
    shanghai = await startViewsApp({ TZ: 'Asia/Shanghai' });
  });
  afterAll(async () => {
    await shanghai?.stop();
  });

  it('with an offset, both servers read the same instant', async () => {
    for (const server of [app, shanghai]) {
      const answer = await askView(server.analyst, `/v1/views/sla-compliance?from=${encodeURIComponent('2026-11-01T10:00:00+00:00')}`);
      expect(answer.status).toBe(200);
      expect(answer.body.from).toBe('2026-11-01T10:00:00.000Z');
    }
  });

  // GET /v1/views/sla-compliance?from=2026-11-01T10:00:00 on a server started with TZ=Asia/Shanghai
  // expected: 400 (a local time names no instant, as for commands' `at`), or read as UTC like a date
  //           alone: from "2026-11-01T10:00:00.000Z"; either way the same answer on every server
  // actual:   200 with from "2026-11-01T02:00:00.000Z" (the server's own zone); a UTC server answers 10:00Z
  it('a date-time without an offset does not depend on the server time zone', async () => {
    const answer = await askView(shanghai.analyst, '/v1/views/sla-compliance?from=2026-11-01T10:00:00');
    expect(answer.status === 400 ? 'refused' : answer.body.from).toMatch(/^(refused|2026-11-01T10:00:00\.000Z)$/);
  });
});
