import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { askView, csvLines, DAY, Desk, figures, HOUR, iso, MINUTE, monthKey, monthStart, nowSecond, SECOND, startViewsApp, view, type TicketScript, type ViewsApp } from '../support/views-scenario';

/**
 * consultationAverage (the service contract): the mean report-to-restore business time of the
 * consultations of a group, pauses excluded, against the policy's 6 minutes (it-support-plan,
 * 24x7). Consultations have no per-ticket clocks; faults in the same period do not change it.
 *
 * | ticket | month | customer | severity          | handling                          |
 * |--------|-------|----------|-------------------|-----------------------------------|
 * | C5     | M2    | c-one    | general           | 8m                                |
 * | C6     | M2    | c-one    | general           | 9m                                |
 * | C1     | M1    | c-one    | general           | 3m                                |
 * | C2     | M1    | c-one    | general -> major  | 14m - 10m paused = 4m             |
 * | C3     | M1    | c-two    | major             | 5m                                |
 * | C4     | M1    | c-two    | general           | not restored: counted, not handled|
 * | F1     | M1    | c-one    | general (a fault) | response 10m, restored at 40m     |
 */

let app: ViewsApp;
const desk = new Desk(() => app.service);

const NOW = nowSecond();
const M0 = monthStart(NOW - 10 * MINUTE);
const M1 = monthStart(M0, -1);
const M2 = monthStart(M0, -2);
const KEY1 = monthKey(M1);
const KEY2 = monthKey(M2);
const RANGE = { from: iso(M2), to: iso(M0) };

let C2: TicketScript;
let F1: TicketScript;

const consultation = (total: number, handled: number, averageMs: number | null, average: string | null, met: boolean | null) => ({
  total,
  handled,
  averageMs,
  average,
  target: 'PT6M',
  met,
});

const compliance = (params: Record<string, string | number | undefined>) =>
  view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, minPosition: desk.position, ...params });

beforeAll(async () => {
  app = await startViewsApp();

  const C5 = await desk.report(M2 + 10 * DAY + 9 * HOUR, { customerId: 'c-one', severity: 'general', kind: 'consultation' });
  await C5.acknowledge(MINUTE);
  await C5.restore(8 * MINUTE); //                                  480,000 ms
  const C6 = await desk.report(M2 + 11 * DAY + 9 * HOUR, { customerId: 'c-one', severity: 'general', kind: 'consultation' });
  await C6.acknowledge(MINUTE);
  await C6.restore(9 * MINUTE); //                                  540,000 ms

  const C1 = await desk.report(M1 + 2 * DAY + 9 * HOUR, { customerId: 'c-one', severity: 'general', kind: 'consultation' });
  await C1.acknowledge(MINUTE);
  await C1.restore(3 * MINUTE); //                                  180,000 ms
  C2 = await desk.report(M1 + 3 * DAY + 10 * HOUR, { customerId: 'c-one', severity: 'general', kind: 'consultation' });
  await C2.acknowledge(MINUTE);
  await C2.reprioritize('major', 90 * SECOND);
  await C2.pause(2 * MINUTE, 'awaiting-customer'); //               2m ran
  await C2.resume(12 * MINUTE); //                                  10m held
  await C2.restore(14 * MINUTE); //                                 + 2m ran = 240,000 ms
  const C3 = await desk.report(M1 + 4 * DAY + 11 * HOUR, { customerId: 'c-two', severity: 'major', kind: 'consultation' });
  await C3.acknowledge(2 * MINUTE);
  await C3.restore(5 * MINUTE); //                                  300,000 ms
  const C4 = await desk.report(M1 + 5 * DAY + 12 * HOUR, { customerId: 'c-two', severity: 'general', kind: 'consultation' });
  await C4.acknowledge(MINUTE); //                                  never restored

  F1 = await desk.report(M1 + 6 * DAY + 8 * HOUR, { customerId: 'c-one', severity: 'general' });
  await F1.acknowledge(10 * MINUTE); //                             response met
  await F1.restore(40 * MINUTE); //                                 onsite and restoration met; report never filed
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

describe('consultationAverage', () => {
  it('over both months: 6 consultations, 5 handled, mean 5m 48s <= 6m: met', async () => {
    const body = await compliance({});
    expect(body.groups).toEqual([
      {
        key: 'all',
        metrics: {
          // (480 + 540 + 180 + 240 + 300) s / 5 = 1740 s / 5 = 348 s = 348,000 ms = 5m 48s
          consultationAverage: consultation(6, 5, 348_000, '5m 48s', true),
          // F1, a fault: response 10m, onsite 40m, restoration 40m met; its report clock started at the
          // restore and was never stopped: due restore + 24h, long past, so breached at query time.
          response: figures(1, 1, 0, 0, 1, 'PT30M'),
          onsiteResolution: figures(1, 1, 0, 0, 1, 'PT1H'),
          restoration: figures(1, 1, 0, 0, 1, 'PT8H'),
          report: figures(1, 0, 1, 0, 0, 'PT24H'),
        },
      },
    ]);
  });

  it('groupBy=month: M2 8m 30s is not met; M1 4m is met and counts the unrestored C4 in total only', async () => {
    const body = await compliance({ groupBy: 'month', metric: 'consultationAverage' });
    expect(body.groups).toEqual([
      // (480 + 540) / 2 = 510 s = 8m 30s > 6m
      { key: KEY2, metrics: { consultationAverage: consultation(2, 2, 510_000, '8m 30s', false) } },
      // (180 + 240 + 300) / 3 = 240 s = 4m; C4 is in total (4) but not in handled (3)
      { key: KEY1, metrics: { consultationAverage: consultation(4, 3, 240_000, '4m', true) } },
    ]);
  });

  it('groupBy=customer: c-one averages exactly 6m, which is met', async () => {
    const body = await compliance({ groupBy: 'customer', metric: 'consultationAverage' });
    expect(body.groups).toEqual([
      // C5 480 + C6 540 + C1 180 + C2 240 = 1440 s / 4 = 360 s = the target: met (<=)
      { key: 'c-one', metrics: { consultationAverage: consultation(4, 4, 360_000, '6m', true) } },
      // C3 300, C4 not handled
      { key: 'c-two', metrics: { consultationAverage: consultation(2, 1, 300_000, '5m', true) } },
    ]);
  });

  it('groupBy=severity counts a reprioritized consultation under its current severity', async () => {
    const body = await compliance({ from: iso(M1), groupBy: 'severity', metric: 'consultationAverage' });
    expect(body.groups).toEqual([
      // general: C1 180 s, C4 not handled
      { key: 'general', metrics: { consultationAverage: consultation(2, 1, 180_000, '3m', true) } },
      // major: C2 (general -> major) 240 s, C3 300 s: 270 s = 4m 30s
      { key: 'major', metrics: { consultationAverage: consultation(2, 2, 270_000, '4m 30s', true) } },
    ]);
  });

  it('a group of unrestored consultations only: average and met are null', async () => {
    // C4 alone: customer c-two, severity general.
    const body = await compliance({ customerId: 'c-two', severity: 'general' });
    expect(body.groups).toEqual([{ key: 'all', metrics: { consultationAverage: consultation(1, 0, null, null, null) } }]);
  });

  it('the metric filter: another metric leaves consultationAverage out', async () => {
    const body = await compliance({ metric: 'response' });
    expect(body.groups).toEqual([{ key: 'all', metrics: { response: figures(1, 1, 0, 0, 1, 'PT30M') } }]);
  });

  it('consultations have no per-ticket rows; the ticket view shows the handling time', async () => {
    const rows = await view(app.analyst, '/v1/views/sla-compliance/tickets', { ...RANGE, minPosition: desk.position });
    // Only F1's four clocks.
    expect(rows.total).toBe(4);
    expect(rows.items.map((r: any) => [r.ticketId, r.metric, r.outcome])).toEqual([
      [F1.id, 'onsiteResolution', 'met'],
      [F1.id, 'report', 'breached'],
      [F1.id, 'response', 'met'],
      [F1.id, 'restoration', 'met'],
    ]);
    const c2 = await app.service.get(`/v1/tickets/${C2.id}`);
    expect(c2.status).toBe(200);
    expect(c2.body.consultationHandlingMs).toBe(240_000); // 2m + 2m, the 10m pause excluded
    expect(c2.body.clocks).toEqual([]);
  });

  it('as CSV: the consultation line carries average and averageMet, not the clock columns', async () => {
    const answer = await askView(app.analyst, `/v1/views/sla-compliance?from=${RANGE.from}&to=${RANGE.to}&groupBy=month&format=csv&minPosition=${desk.position}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, ...lines] = csvLines(answer.text);
    expect(header).toBe('key,metric,total,met,breached,running,compliance,target,average,averageMet');
    expect([...lines].sort()).toEqual(
      [
        `${KEY2},consultationAverage,2,,,,,PT6M,8m 30s,false`,
        `${KEY1},consultationAverage,4,,,,,PT6M,4m,true`,
        `${KEY1},response,1,1,0,0,1,PT30M,,`,
        `${KEY1},onsiteResolution,1,1,0,0,1,PT1H,,`,
        `${KEY1},restoration,1,1,0,0,1,PT8H,,`,
        `${KEY1},report,1,0,1,0,0,PT24H,,`,
      ].sort(),
    );
  });
});
