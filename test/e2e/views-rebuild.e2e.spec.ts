import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { askView, DAY, Desk, figures, HOUR, iso, kind, MINUTE, monthStart, nowSecond, runCli, startViewsApp, view, type TicketScript, type ViewsApp } from '../support/views-scenario';
import { csvWithoutQueryTime, withoutQueryTime } from '../support/views-scenario';

/**
 * `rebuild <projection> --compare --json` (apps/cli) rebuilds a view from position 0 into new
 * tables, counts the rows that differ from the live ones, and swaps them in. After a scenario
 * with escalation, a pause, a reopen and a consultation, a rebuild must find no difference, and
 * the app started again must answer exactly what it answered before (and keep following the log).
 *
 * All in the previous month M1, it-support-plan (24x7):
 * - Q1 fault general c-q: ack 20m; eng-li onsite 25m, arrives 45m; eng-zhao senior 50m, arrives 2h
 *   (seniorArrival 70m: met); restore 2h30m (onsite 150m: breached; restoration met); report 1h after;
 *   rated onsite 4, product 2; revisited.
 * - Q2 fault major c-q: ack 35m (breached); eng-wang 40m; pause 50m-5h50m; restore 6h (onsite 60m: on target);
 *   report 7h; reopened at 2d; restored again 2d30m (onsite 50+10+30 = 90m: breached; restoration met);
 *   report again 2d1h30m (1h: met); rated onsite 5.
 * - Q3 consultation c-q: restored after 7m (> 6m average target); rated consultation 5.
 * - Q4 fault general c-p: reported only; every clock past due.
 */

let app: ViewsApp;
const desk = new Desk(() => app.service);
const M1 = monthStart(monthStart(nowSecond() - 10 * MINUTE), -1);
const RANGE = { from: iso(M1), to: iso(monthStart(M1, 1)) };

let Q1: TicketScript, Q2: TicketScript, Q4: TicketScript;

const compliance = (params: Record<string, string | number | undefined> = {}) =>
  view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, minPosition: desk.position, ...params });
const satisfaction = (params: Record<string, string | number | undefined> = {}) =>
  view(app.analyst, '/v1/views/satisfaction', { ...RANGE, minPosition: desk.position, ...params });
const rows = (params: Record<string, string | number | undefined> = {}) =>
  view(app.analyst, '/v1/views/sla-compliance/tickets', { ...RANGE, minPosition: desk.position, limit: 500, ...params });

/** Every answer the test compares before and after the rebuild. */
async function snapshot() {
  const csv = await askView(app.analyst, `/v1/views/sla-compliance/tickets?from=${RANGE.from}&to=${RANGE.to}&format=csv&limit=500&minPosition=${desk.position}`);
  return {
    all: await compliance(),
    byMonth: await compliance({ groupBy: 'month' }),
    byEngineer: await compliance({ groupBy: 'engineer' }),
    bySeverity: await compliance({ groupBy: 'severity' }),
    rows: withoutQueryTime(await rows()),
    rowsCsv: csvWithoutQueryTime(csv.text),
    satisfaction: await satisfaction(),
    satisfactionByCustomer: await satisfaction({ groupBy: 'customer' }),
  };
}

let before: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  app = await startViewsApp();

  Q1 = await desk.report(M1 + 2 * DAY + 8 * HOUR, { customerId: 'c-q', severity: 'general' });
  await Q1.acknowledge(20 * MINUTE);
  await Q1.dispatch('eng-li', 'onsite', 25 * MINUTE);
  await Q1.arrive('eng-li', 45 * MINUTE);
  await Q1.dispatch('eng-zhao', 'senior', 50 * MINUTE);
  await Q1.arrive('eng-zhao', 2 * HOUR);
  await Q1.restore(150 * MINUTE);
  await Q1.fileReport(210 * MINUTE);
  await Q1.rate('onsite', 4, 4 * HOUR);
  await Q1.rate('product', 2, 4 * HOUR);
  await Q1.revisit(2 * DAY);

  Q2 = await desk.report(M1 + 3 * DAY + 8 * HOUR, { customerId: 'c-q', severity: 'major' });
  await Q2.acknowledge(35 * MINUTE);
  await Q2.dispatch('eng-wang', 'onsite', 40 * MINUTE);
  await Q2.pause(50 * MINUTE);
  await Q2.resume(350 * MINUTE);
  await Q2.restore(6 * HOUR);
  await Q2.fileReport(7 * HOUR);
  await Q2.reopen(2 * DAY);
  await Q2.restore(2 * DAY + 30 * MINUTE);
  await Q2.fileReport(2 * DAY + 90 * MINUTE);
  await Q2.rate('onsite', 5, 2 * DAY + 2 * HOUR);

  const Q3 = await desk.report(M1 + 4 * DAY + 8 * HOUR, { customerId: 'c-q', severity: 'general', kind: 'consultation' });
  await Q3.acknowledge(MINUTE);
  await Q3.restore(7 * MINUTE);
  await Q3.rate('consultation', 5, 10 * MINUTE);

  Q4 = await desk.report(M1 + 5 * DAY + 8 * HOUR, { customerId: 'c-p', severity: 'general' });
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

describe('rebuilding the views with the CLI', () => {
  it('before: the hand-computed figures', async () => {
    before = await snapshot();
    expect(before.all.groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(3, 1, 2, 0, 0.3333, 'PT30M'), //       Q1 20m M, Q2 35m B, Q4 B*
          onsiteResolution: figures(3, 0, 3, 0, 0, 'PT1H'), //     Q1 150m B, Q2 90m B, Q4 B*
          restoration: figures(3, 2, 1, 0, 0.6667, 'PT8H'), //     Q1 M, Q2 M, Q4 B*
          seniorArrival: figures(1, 1, 0, 0, 1, 'PT2H'), //        Q1 70m M
          report: figures(2, 2, 0, 0, 1, 'PT24H'), //              Q1 1h, Q2 1h after its second restore
          consultationAverage: { total: 1, handled: 1, averageMs: 420_000, average: '7m', target: 'PT6M', met: false },
        },
      },
    ]);
    // Q1 5 rows, Q2 4, Q4 3.
    expect(before.rows.total).toBe(12);
    const q2onsite = before.rows.items.find((r: any) => r.ticketId === Q2.id && r.metric === 'onsiteResolution');
    // Ran [0, 50m] + [5h50m, 6h] + [2d, 2d30m] = 90m; held 5h pause + restore (6h) to reopen (2d) 42h = 47h.
    // The hour was used up exactly at the reopen (50m + 10m): due = Q2 + 2d.
    expect(q2onsite).toMatchObject({
      outcome: 'breached',
      elapsedMs: 90 * MINUTE,
      pausedMs: 47 * HOUR,
      dueAt: iso(Q2.at(2 * DAY)),
      stoppedAt: iso(Q2.at(2 * DAY + 30 * MINUTE)),
    });
    const q2report = before.rows.items.find((r: any) => r.ticketId === Q2.id && r.metric === 'report');
    // The report clock of the first restoration was dropped by the reopen; this one started at the second restore.
    expect(q2report).toMatchObject({
      outcome: 'met',
      startedAt: iso(Q2.at(2 * DAY + 30 * MINUTE)),
      stoppedAt: iso(Q2.at(2 * DAY + 90 * MINUTE)),
      elapsedMs: HOUR,
    });
    expect(before.satisfaction.groups).toEqual([
      {
        key: 'all',
        kinds: {
          consultation: kind(1, 1, 1, 0.98, true), //              Q3 5
          onsite: kind(2, 2, 1, 0.95, true), //                    Q1 4, Q2 5
          product: kind(1, 0, 0, 0.95, false), //                  Q1 2
        },
        revisits: { restored: 3, revisited: 1, rate: 0.3333 }, //  Q1, Q2 (restored again), Q3; Q1 revisited
      },
    ]);
  });

  it('with the app stopped, rebuild --compare finds no difference in either projection', async () => {
    await app.close();
    const env = { DATA_DIR: app.dataDir };
    for (const projection of ['sla-compliance', 'satisfaction']) {
      const result = await runCli(['rebuild', projection, '--compare', '--json'], env);
      expect({ projection, code: result.code, stderr: result.stderr }).toEqual({ projection, code: 0, stderr: '' });
      const lines = result.stdout.trim().split('\n');
      const answer = JSON.parse(lines[lines.length - 1]);
      expect(answer).toMatchObject({ projection, differences: 0, generation: expect.any(Number) });
    }
    // A second rebuild compares against the first rebuild's tables: still identical.
    const again = await runCli(['rebuild', 'sla-compliance', '--compare', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!)).toMatchObject({ differences: 0 });
  });

  it('an unknown projection is refused with a non-zero exit', async () => {
    const result = await runCli(['rebuild', 'no-such-view', '--compare', '--json'], { DATA_DIR: app.dataDir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no-such-view');
  });

  it('started again, the app answers exactly what it answered before the rebuild', async () => {
    await app.start();
    expect(await snapshot()).toEqual(before);
  });

  it('and it keeps following the log into the rebuilt tables', async () => {
    const Q5 = await desk.report(M1 + 6 * DAY + 8 * HOUR, { customerId: 'c-p', severity: 'general' });
    await Q5.acknowledge(10 * MINUTE);
    const body = await compliance({ customerId: 'c-p' });
    expect(body.groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(2, 1, 1, 0, 0.5, 'PT30M'), //          Q4 B*, Q5 10m M
          onsiteResolution: figures(2, 0, 2, 0, 0, 'PT1H'), //     both open and past due
          restoration: figures(2, 0, 2, 0, 0, 'PT8H'),
        },
      },
    ]);
    expect((await rows()).total).toBe(15);
    expect(Q4.id).not.toBe(Q5.id);
  });
});
