import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Desk, figures, HOUR, MINUTE, startViewsApp, view, type TicketScript, type ViewsApp } from '../support/views-scenario';

/**
 * The business-hours policy `it-support-business-hours`: Asia/Shanghai (UTC+8, no DST), Mon-Fri
 * 09:00-12:00 and 13:00-18:00, holidays 2026-10-01, 10-02, 10-05 (among others). Clocks count only
 * working time; libs/ticketing/README: `addBusinessDuration` returns the LAST instant at which the
 * duration is used up, so Friday 17:30 + 30 min is Monday 09:00 (not Friday 18:00), and a clock
 * stopped exactly on its target is met.
 *
 * Fixed dates in October 2026 (2026-10-16 is a Friday, 10-19 a Monday, 2026-09-30 a Wednesday).
 *
 * | ticket | reported (local)   | acknowledged (local) | working time used                    | response       | due (local)   |
 * |--------|--------------------|----------------------|--------------------------------------|----------------|---------------|
 * | B1     | Fri 10-16 17:30    | Mon 10-19 09:20      | Fri 17:30-18:00 30m + Mon 09:00-09:20 20m = 50m | breached | Mon 09:00 |
 * | B2     | Fri 10-16 17:45    | Mon 10-19 09:10      | 15m + 10m = 25m                      | met            | Mon 09:15     |
 * | B3     | Fri 10-16 17:30    | Mon 10-19 09:00      | 30m + 0m = 30m, exactly the target   | met            | Mon 09:00     |
 * | B4     | Wed 09-30 17:30    | Tue 10-06 09:10      | 30m + (Thu, Fri holidays, weekend, Mon holiday) + 10m = 40m | breached | Tue 10-06 09:00 |
 * | B5     | Mon 10-19 11:50    | Mon 10-19 13:15      | 11:50-12:00 10m + lunch + 13:00-13:15 15m = 25m | met   | Mon 13:20     |
 * | B6     | Sat 10-17 10:00    | Mon 10-19 09:29      | 0m (weekend) + 29m = 29m             | met            | Mon 09:30     |
 * | B7     | Mon 10-19 10:00    | Mon 10-19 10:05      | 5m                                   | met            | Mon 10:30     |
 */

let app: ViewsApp;
const desk = new Desk(() => app.service);
const POLICY = 'it-support-business-hours';

/** A Shanghai wall time (UTC+8) as epoch ms. */
const sh = (local: string): number => Date.parse(`${local}+08:00`);
/** The canonical UTC form of a Shanghai wall time. */
const utc = (local: string): string => new Date(sh(local)).toISOString();
/** The offset of a Shanghai wall time from a ticket's report. */
const after = (ticket: TicketScript, local: string): number => sh(local) - ticket.reportedAt;

let B1: TicketScript, B2: TicketScript, B3: TicketScript, B4: TicketScript, B5: TicketScript, B6: TicketScript, B7: TicketScript;

beforeAll(async () => {
  app = await startViewsApp();
  const report = (local: string, customerId: string) => desk.report(sh(local), { customerId, severity: 'general', policyId: POLICY });

  B1 = await report('2026-10-16T17:30:00', 'c-bh-1');
  await B1.acknowledge(after(B1, '2026-10-19T09:20:00'));
  await B1.restore(after(B1, '2026-10-19T16:00:00'));
  await B1.fileReport(after(B1, '2026-10-20T10:00:00'));

  B2 = await report('2026-10-16T17:45:00', 'c-bh-2');
  await B2.acknowledge(after(B2, '2026-10-19T09:10:00'));

  B3 = await report('2026-10-16T17:30:00', 'c-bh-3');
  await B3.acknowledge(after(B3, '2026-10-19T09:00:00'));

  B4 = await report('2026-09-30T17:30:00', 'c-bh-4');
  await B4.acknowledge(after(B4, '2026-10-06T09:10:00'));

  B5 = await report('2026-10-19T11:50:00', 'c-bh-5');
  await B5.acknowledge(after(B5, '2026-10-19T13:15:00'));

  B6 = await report('2026-10-17T10:00:00', 'c-bh-6');
  await B6.acknowledge(after(B6, '2026-10-19T09:29:00'));

  // B7: a pause overnight; only the working time of the pause counts as paused.
  B7 = await report('2026-10-19T10:00:00', 'c-bh-7');
  await B7.acknowledge(after(B7, '2026-10-19T10:05:00'));
  await B7.pause(after(B7, '2026-10-19T10:20:00'), 'awaiting-customer');
  await B7.resume(after(B7, '2026-10-20T09:30:00'));
  await B7.restore(after(B7, '2026-10-20T09:50:00'));
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

const RANGE = { from: '2026-09-01', to: '2026-11-01' };

async function rowsById(metric: string): Promise<Record<string, any>> {
  const page = await view(app.analyst, '/v1/views/sla-compliance/tickets', { ...RANGE, metric, policyId: POLICY, minPosition: desk.position });
  return Object.fromEntries(page.items.map((row: any) => [row.ticketId, row]));
}

describe('the business-hours policy in the views', () => {
  it('response: due times and outcomes of the per-ticket rows follow the working calendar', async () => {
    const rows = await rowsById('response');
    expect(Object.keys(rows)).toHaveLength(7);
    const pick = (row: any) => ({
      outcome: row.outcome,
      startedAt: row.startedAt,
      dueAt: row.dueAt,
      stoppedAt: row.stoppedAt,
      elapsedMs: row.elapsedMs,
      pausedMs: row.pausedMs,
      policyId: row.policyId,
      target: row.target,
    });
    const expected = (outcome: string, reported: string, due: string, stopped: string, elapsedMs: number) => ({
      outcome,
      startedAt: utc(reported),
      dueAt: utc(due),
      stoppedAt: utc(stopped),
      elapsedMs,
      pausedMs: 0,
      policyId: POLICY,
      target: 'PT30M',
    });
    // Fri 17:30 + 30m of working time = Mon 09:00 local (01:00Z); acknowledged 09:20: 50m used.
    expect(pick(rows[B1.id])).toEqual(expected('breached', '2026-10-16T17:30:00', '2026-10-19T09:00:00', '2026-10-19T09:20:00', 50 * MINUTE));
    expect(rows[B1.id].dueAt).toBe('2026-10-19T01:00:00.000Z');
    // Fri 17:45 + 15m Fri + 15m Mon = Mon 09:15; 25m used.
    expect(pick(rows[B2.id])).toEqual(expected('met', '2026-10-16T17:45:00', '2026-10-19T09:15:00', '2026-10-19T09:10:00', 25 * MINUTE));
    // Exactly 30m at Mon 09:00: met.
    expect(pick(rows[B3.id])).toEqual(expected('met', '2026-10-16T17:30:00', '2026-10-19T09:00:00', '2026-10-19T09:00:00', 30 * MINUTE));
    // The Golden Week holidays and the weekend count nothing: due Tue 10-06 09:00 local = 01:00Z.
    expect(pick(rows[B4.id])).toEqual(expected('breached', '2026-09-30T17:30:00', '2026-10-06T09:00:00', '2026-10-06T09:10:00', 40 * MINUTE));
    expect(rows[B4.id].dueAt).toBe('2026-10-06T01:00:00.000Z');
    // The lunch break counts nothing: 11:50 + 10m to noon, 13:00 + 20m = 13:20.
    expect(pick(rows[B5.id])).toEqual(expected('met', '2026-10-19T11:50:00', '2026-10-19T13:20:00', '2026-10-19T13:15:00', 25 * MINUTE));
    // Reported on a Saturday: the clock starts counting Monday 09:00; started at the report itself.
    expect(pick(rows[B6.id])).toEqual(expected('met', '2026-10-17T10:00:00', '2026-10-19T09:30:00', '2026-10-19T09:29:00', 29 * MINUTE));
    expect(pick(rows[B7.id])).toEqual(expected('met', '2026-10-19T10:00:00', '2026-10-19T10:30:00', '2026-10-19T10:05:00', 5 * MINUTE));
  });

  it('B1 restored Monday 16:00: on-site resolution breached, restoration met, report due Thursday 16:00', async () => {
    const onsite = (await rowsById('onsiteResolution'))[B1.id];
    // 30m Fri + 09:00-12:00 3h + 13:00-16:00 3h = 6h30m = 23,400,000 ms > 1h; due Fri 30m + Mon 30m = Mon 09:30.
    expect(onsite).toMatchObject({ outcome: 'breached', dueAt: utc('2026-10-19T09:30:00'), stoppedAt: utc('2026-10-19T16:00:00'), elapsedMs: 23_400_000, pausedMs: 0 });
    const restoration = (await rowsById('restoration'))[B1.id];
    // 6h30m <= 8h; due: 30m Fri, then 7h30m from Mon 09:00 = 3h to noon + 4h30m from 13:00 = 17:30.
    expect(restoration).toMatchObject({ outcome: 'met', dueAt: utc('2026-10-19T17:30:00'), elapsedMs: 23_400_000, pausedMs: 0 });
    const report = (await rowsById('report'))[B1.id];
    // Mon 16:00-18:00 2h + Tue 09:00-10:00 1h = 3h used of PT24H (24 working hours): met.
    // Due: Mon 2h (22h left), Tue 8h (14h), Wed 8h (6h), Thu 09-12 3h (3h), 13:00 + 3h = Thu 16:00 local.
    expect(report).toMatchObject({
      outcome: 'met',
      startedAt: utc('2026-10-19T16:00:00'),
      dueAt: utc('2026-10-22T16:00:00'),
      stoppedAt: utc('2026-10-20T10:00:00'),
      elapsedMs: 3 * HOUR,
    });
    expect(report.dueAt).toBe('2026-10-22T08:00:00.000Z');
  });

  it('B7: the pause counts its working time only, and moves the due time', async () => {
    const onsite = (await rowsById('onsiteResolution'))[B7.id];
    // Ran Mon 10:00-10:20 20m and Tue 09:30-09:50 20m = 40m <= 1h: met.
    // Held Mon 10:20-12:00 1h40m + 13:00-18:00 5h + Tue 09:00-09:30 30m = 7h10m = 25,800,000 ms.
    // Due: resume Tue 09:30 + the 40m left = Tue 10:10 local.
    expect(onsite).toMatchObject({
      outcome: 'met',
      dueAt: utc('2026-10-20T10:10:00'),
      stoppedAt: utc('2026-10-20T09:50:00'),
      elapsedMs: 40 * MINUTE,
      pausedMs: 25_800_000,
    });
  });

  it('the ticket view shows the same due time as the row', async () => {
    const ticket = await app.service.get(`/v1/tickets/${B1.id}`);
    expect(ticket.status).toBe(200);
    const response = (ticket.body.clocks as any[]).find((clock) => clock.metric === 'response');
    expect(response).toMatchObject({
      state: 'breached',
      dueAt: '2026-10-19T01:00:00.000Z',
      stoppedAt: '2026-10-19T01:20:00.000Z',
      elapsedMs: 50 * MINUTE,
      percentUsed: 166.67, //                                   50 / 30 = 1.6667 -> 166.67 %
      policyId: POLICY,
    });
    const b3 = await app.service.get(`/v1/tickets/${B3.id}`);
    const b3Response = (b3.body.clocks as any[]).find((clock) => clock.metric === 'response');
    expect(b3Response).toMatchObject({ state: 'met', dueAt: '2026-10-19T01:00:00.000Z', elapsedMs: 30 * MINUTE, percentUsed: 100 });
  });

  it('the aggregate: 5 of 7 responses met under the business-hours policy', async () => {
    const body = await view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, groupBy: 'policy', metric: 'response', minPosition: desk.position });
    // B1 breached, B4 breached; B2, B3, B5, B6, B7 met: 5/7 = 0.714285 -> 0.7143
    expect(body.groups).toEqual([{ key: `${POLICY}@1`, metrics: { response: figures(7, 5, 2, 0, 0.7143, 'PT30M') } }]);
    // Periods are UTC days: B1 and B3 (Fri 17:30 local = 09:30Z) and B2 (09:45Z) are on 2026-10-16.
    const days = await view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, groupBy: 'day', metric: 'response' });
    expect(days.groups).toEqual([
      { key: '2026-09-30', metrics: { response: figures(1, 0, 1, 0, 0, 'PT30M') } }, //   B4
      { key: '2026-10-16', metrics: { response: figures(3, 2, 1, 0, 0.6667, 'PT30M') } }, // B1 B, B2 M, B3 M
      { key: '2026-10-17', metrics: { response: figures(1, 1, 0, 0, 1, 'PT30M') } }, //   B6 (Sat 10:00 local = 02:00Z)
      { key: '2026-10-19', metrics: { response: figures(2, 2, 0, 0, 1, 'PT30M') } }, //   B5, B7
    ]);
  });
});
