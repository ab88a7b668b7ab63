import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DAY, Desk, figures, HOUR, iso, kind, MINUTE, monthStart, nowSecond, startViewsApp, view, type TicketScript, type ViewsApp } from '../support/views-scenario';
import { withoutQueryTime } from '../support/views-scenario';

/**
 * The projections run inside the API and keep their checkpoint with their rows in one read-model
 * transaction (the service contract): stopping the app in the middle of a scenario and starting it
 * again on the same DATA_DIR must neither count an event twice nor miss one. Each step below
 * writes some commands, sometimes stops the app at once (before any view was read), and then
 * checks the views against the hand-computed figures of everything written so far.
 *
 * All tickets are in the previous month M1 (it-support-plan, 24x7):
 * - R1 fault (general, eng-li): ack 10m, restore 40m, report filed at 2h40m (2h after restore), a revisit,
 *   later rated onsite 5.
 * - R2 fault (major, eng-wang): ack 50m (late); after the first restart: dispatch 1h, pause 2h-4h,
 *   restore 9h (7h of running time), rated onsite 2; its report is never filed.
 * - R3 consultation: restored after 5m, rated consultation 5.
 * - R4 fault (general): reported and acknowledged after 5m, right before a SIGKILL.
 */

let app: ViewsApp;
const desk = new Desk(() => app.service);
const M1 = monthStart(monthStart(nowSecond() - 10 * MINUTE), -1);
const RANGE = { from: iso(M1), to: iso(monthStart(M1, 1)) };

let R1: TicketScript, R2: TicketScript, R3: TicketScript, R4: TicketScript;

const compliance = (params: Record<string, string | number | undefined> = {}) =>
  view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, minPosition: desk.position, ...params });
const satisfaction = (params: Record<string, string | number | undefined> = {}) =>
  view(app.analyst, '/v1/views/satisfaction', { ...RANGE, minPosition: desk.position, ...params });
const rows = (params: Record<string, string | number | undefined> = {}) =>
  view(app.analyst, '/v1/views/sla-compliance/tickets', { ...RANGE, minPosition: desk.position, limit: 500, ...params });

beforeAll(async () => {
  app = await startViewsApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('views across restarts of the app', () => {
  it('step 1: R1 written and read before any restart', async () => {
    R1 = await desk.report(M1 + 2 * DAY + 9 * HOUR, { customerId: 'c-r', severity: 'general' });
    await R1.acknowledge(10 * MINUTE);
    await R1.dispatch('eng-li', 'onsite', 15 * MINUTE);
    await R1.arrive('eng-li', 30 * MINUTE);
    await R1.restore(40 * MINUTE);
    await R1.fileReport(160 * MINUTE);
    await R1.revisit(DAY);
    expect((await compliance()).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(1, 1, 0, 0, 1, 'PT30M'), //            10m
          onsiteResolution: figures(1, 1, 0, 0, 1, 'PT1H'), //     40m
          restoration: figures(1, 1, 0, 0, 1, 'PT8H'), //          40m
          report: figures(1, 1, 0, 0, 1, 'PT24H'), //              2h
        },
      },
    ]);
  });

  it('step 2: R2 reported and acknowledged late, then the app stops before any view is read; the new app has them', async () => {
    R2 = await desk.report(M1 + 3 * DAY + 9 * HOUR, { customerId: 'c-r', severity: 'major' });
    await R2.acknowledge(50 * MINUTE);
    await app.restart();
    expect((await compliance()).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(2, 1, 1, 0, 0.5, 'PT30M'), //          R1 M, R2 50m B
          onsiteResolution: figures(2, 1, 1, 0, 0.5, 'PT1H'), //   R1 M, R2 open and past due: B
          restoration: figures(2, 1, 1, 0, 0.5, 'PT8H'), //        R1 M, R2 open and past due: B
          report: figures(1, 1, 0, 0, 1, 'PT24H'), //              R1 M
        },
      },
    ]);
    // R1 4 clock rows + R2 3 (response, onsiteResolution, restoration).
    expect((await rows()).total).toBe(7);
  });

  it('step 3: more commands on the new app, then a second clean restart: every figure once', async () => {
    await R2.dispatch('eng-wang', 'onsite', HOUR);
    await R2.pause(2 * HOUR);
    await R2.resume(4 * HOUR);
    await R2.restore(9 * HOUR); //                                 ran 2h + 5h = 7h, held 2h
    await R2.rate('onsite', 2, 9 * HOUR + 10 * MINUTE);
    await R1.rate('onsite', 5, DAY + HOUR);
    R3 = await desk.report(M1 + 4 * DAY + 9 * HOUR, { customerId: 'c-r', severity: 'general', kind: 'consultation' });
    await R3.acknowledge(MINUTE);
    await R3.restore(5 * MINUTE); //                               300,000 ms
    await R3.rate('consultation', 5, 10 * MINUTE);
    await app.restart();

    expect((await compliance()).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(2, 1, 1, 0, 0.5, 'PT30M'), //          R1 M, R2 B
          onsiteResolution: figures(2, 1, 1, 0, 0.5, 'PT1H'), //   R1 M, R2 7h B
          restoration: figures(2, 2, 0, 0, 1, 'PT8H'), //          R1 M, R2 7h <= 8h M
          report: figures(2, 1, 1, 0, 0.5, 'PT24H'), //            R1 M, R2 open since its restore, past due: B
          consultationAverage: { total: 1, handled: 1, averageMs: 300_000, average: '5m', target: 'PT6M', met: true },
        },
      },
    ]);
    const restoration = (await rows({ metric: 'restoration' })).items.find((r: any) => r.ticketId === R2.id);
    // Running [0, 2h] and [4h, 9h]: 7h = 25,200,000; held 2h = 7,200,000; due 4h + (8h - 2h) = 10h.
    expect(restoration).toMatchObject({
      outcome: 'met',
      elapsedMs: 7 * HOUR,
      pausedMs: 2 * HOUR,
      dueAt: iso(R2.at(10 * HOUR)),
      stoppedAt: iso(R2.at(9 * HOUR)),
      engineerId: 'eng-wang',
    });
    // R1 4 + R2 4 (report clock added by the restore) = 8 rows.
    expect((await rows()).total).toBe(8);
    expect((await satisfaction()).groups).toEqual([
      {
        key: 'all',
        kinds: {
          consultation: kind(1, 1, 1, 0.98, true), //              R3 5
          onsite: kind(2, 1, 0.5, 0.95, false), //                 R1 5, R2 2
          product: kind(0, 0, null, 0.95, null),
        },
        revisits: { restored: 3, revisited: 1, rate: 0.3333 }, //   R1, R2, R3 restored; R1 revisited
      },
    ]);
  });

  it('step 4: a SIGKILL right after a command; the next app catches up from its checkpoint', async () => {
    R4 = await desk.report(M1 + 5 * DAY + 9 * HOUR, { customerId: 'c-k', severity: 'general' });
    await R4.acknowledge(5 * MINUTE);
    await app.crash();
    await app.start();
    expect((await compliance()).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(3, 2, 1, 0, 0.6667, 'PT30M'), //       R1 M, R2 B, R4 5m M
          onsiteResolution: figures(3, 1, 2, 0, 0.3333, 'PT1H'), // R1 M, R2 B, R4 open and past due: B
          restoration: figures(3, 2, 1, 0, 0.6667, 'PT8H'), //     R1 M, R2 M, R4 open and past due: B
          report: figures(2, 1, 1, 0, 0.5, 'PT24H'),
          consultationAverage: { total: 1, handled: 1, averageMs: 300_000, average: '5m', target: 'PT6M', met: true },
        },
      },
    ]);
    expect((await rows()).total).toBe(11); // + R4's response, onsiteResolution, restoration
    const byCustomer = await satisfaction({ groupBy: 'customer' });
    expect(byCustomer.groups.map((g: any) => [g.key, g.revisits])).toEqual([
      ['c-k', { restored: 0, revisited: 0, rate: null }], //      R4: not restored
      ['c-r', { restored: 3, revisited: 1, rate: 0.3333 }],
    ]);
  });

  it('step 5: a restart with nothing new changes nothing', async () => {
    const before = [await compliance({ groupBy: 'month' }), withoutQueryTime(await rows()), await satisfaction({ groupBy: 'month' })];
    await app.restart();
    const after = [await compliance({ groupBy: 'month' }), withoutQueryTime(await rows()), await satisfaction({ groupBy: 'month' })];
    expect(after).toEqual(before);
  });
});
