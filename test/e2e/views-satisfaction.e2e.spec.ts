import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { askView, csvLines, DAY, Desk, HOUR, iso, kind, MINUTE, monthKey, monthStart, nowSecond, startViewsApp, view, type ViewsApp } from '../support/views-scenario';

/**
 * GET /v1/views/satisfaction (the service contract-8): ratings per kind against the policy's targets
 * (consultation 0.98, onsite 0.95, product 0.95), a score of 4 or 5 is satisfied; the revisit rate
 * is revisited restored tickets / restored tickets, per group and per month of report.
 *
 * | ticket | month | kind         | customer | engineer | severity        | ratings                   | revisits | restored at the end |
 * |--------|-------|--------------|----------|----------|-----------------|---------------------------|----------|---------------------|
 * | S1     | M2    | fault        | c-a      | eng-li   | general         | onsite 5, product 5       | 1        | yes                 |
 * | S2     | M2    | fault        | c-a      | eng-li   | general         | onsite 4, product 3       | 0        | yes                 |
 * | S3     | M2    | fault        | c-b      | eng-wang | major           | onsite 3                  | 1        | yes                 |
 * | S4     | M2    | consultation | c-b      | (none)   | general         | consultation 5            | 0        | yes                 |
 * | S5     | M2    | consultation | c-a      | (none)   | general         | consultation 4            | 0        | yes                 |
 * | S6     | M1    | fault        | c-a      | eng-wang | general         | onsite 5, product 4       | 2        | yes                 |
 * | S7     | M1    | fault        | c-b      | eng-zhao | general -> major| onsite 4                  | 1        | no: reopened        |
 * | S8     | M1    | consultation | c-b      | (none)   | general         | consultation 3            | 0        | yes                 |
 * | S9     | M1    | fault        | c-a      | (none)   | general         | -                         | 0        | no: never restored  |
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

const satisfaction = (params: Record<string, string | number | undefined>) =>
  view(app.analyst, '/v1/views/satisfaction', { ...RANGE, minPosition: desk.position, ...params });

/** A fault restored 40 minutes after its report, with the given engineer (if any). */
async function restoredFault(at: number, customerId: string, engineerId: string | null, severity: 'general' | 'major' = 'general') {
  const ticket = await desk.report(at, { customerId, severity });
  await ticket.acknowledge(5 * MINUTE);
  if (engineerId) await ticket.dispatch(engineerId, 'onsite', 10 * MINUTE);
  await ticket.restore(40 * MINUTE);
  return ticket;
}

async function restoredConsultation(at: number, customerId: string) {
  const ticket = await desk.report(at, { customerId, severity: 'general', kind: 'consultation' });
  await ticket.acknowledge(MINUTE);
  await ticket.restore(4 * MINUTE);
  return ticket;
}

beforeAll(async () => {
  app = await startViewsApp();

  const S1 = await restoredFault(M2 + 3 * DAY + 9 * HOUR, 'c-a', 'eng-li');
  await S1.rate('onsite', 5, 50 * MINUTE);
  await S1.rate('product', 5, 51 * MINUTE);
  await S1.revisit(2 * DAY);
  const S2 = await restoredFault(M2 + 4 * DAY + 9 * HOUR, 'c-a', 'eng-li');
  await S2.rate('onsite', 4, 50 * MINUTE);
  await S2.rate('product', 3, 51 * MINUTE);
  const S3 = await restoredFault(M2 + 5 * DAY + 9 * HOUR, 'c-b', 'eng-wang', 'major');
  await S3.rate('onsite', 3, 50 * MINUTE);
  await S3.revisit(3 * DAY);
  const S4 = await restoredConsultation(M2 + 6 * DAY + 9 * HOUR, 'c-b');
  await S4.rate('consultation', 5, 10 * MINUTE);
  const S5 = await restoredConsultation(M2 + 7 * DAY + 9 * HOUR, 'c-a');
  await S5.rate('consultation', 4, 10 * MINUTE);

  const S6 = await restoredFault(M1 + 3 * DAY + 9 * HOUR, 'c-a', 'eng-wang');
  await S6.rate('onsite', 5, 50 * MINUTE);
  await S6.rate('product', 4, 51 * MINUTE);
  await S6.revisit(DAY);
  await S6.revisit(8 * DAY); //                             two visits: one revisited ticket
  const S7 = await desk.report(M1 + 4 * DAY + 9 * HOUR, { customerId: 'c-b', severity: 'general' });
  await S7.acknowledge(5 * MINUTE);
  await S7.reprioritize('major', 8 * MINUTE);
  await S7.dispatch('eng-zhao', 'onsite', 10 * MINUTE);
  await S7.restore(40 * MINUTE);
  await S7.rate('onsite', 4, 50 * MINUTE);
  await S7.revisit(DAY);
  await S7.reopen(2 * DAY); //                              no longer restored; its rating stays
  const S8 = await restoredConsultation(M1 + 5 * DAY + 9 * HOUR, 'c-b');
  await S8.rate('consultation', 3, 10 * MINUTE);
  const S9 = await desk.report(M1 + 6 * DAY + 9 * HOUR, { customerId: 'c-a', severity: 'general' });
  await S9.acknowledge(5 * MINUTE);
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

describe('GET /v1/views/satisfaction, hand-computed', () => {
  it('groupBy=month: rates per kind against 0.98 / 0.95 / 0.95, and the revisit rate per month', async () => {
    const body = await satisfaction({ groupBy: 'month' });
    expect(body).toEqual({
      from: iso(M2),
      to: iso(M0),
      groupBy: 'month',
      groups: [
        {
          key: KEY2,
          kinds: {
            consultation: kind(2, 2, 1, 0.98, true), //          S4 5, S5 4: 2/2 = 1 >= 0.98
            onsite: kind(3, 2, 0.6667, 0.95, false), //          S1 5, S2 4, S3 3: 2/3
            product: kind(2, 1, 0.5, 0.95, false), //            S1 5, S2 3: 1/2
          },
          revisits: { restored: 5, revisited: 2, rate: 0.4 }, // S1..S5 restored; S1, S3 revisited: 2/5
        },
        {
          key: KEY1,
          kinds: {
            consultation: kind(1, 0, 0, 0.98, false), //         S8 3: 0/1
            onsite: kind(2, 2, 1, 0.95, true), //                S6 5, S7 4 (reopened, rating kept): 2/2
            product: kind(1, 1, 1, 0.95, true), //               S6 4
          },
          // S6 and S8 restored (S7 reopened, S9 never restored); S6 revisited (twice, one ticket): 1/2
          revisits: { restored: 2, revisited: 1, rate: 0.5 },
        },
      ],
      revisitRateByMonth: [
        { month: KEY2, restored: 5, revisited: 2, rate: 0.4 },
        { month: KEY1, restored: 2, revisited: 1, rate: 0.5 },
      ],
    });
  });

  it('without groupBy: one group keyed all', async () => {
    const body = await satisfaction({});
    expect(body.groupBy).toBeNull();
    expect(body.groups).toEqual([
      {
        key: 'all',
        kinds: {
          consultation: kind(3, 2, 0.6667, 0.98, false), //     5, 4, 3: 2/3
          onsite: kind(5, 4, 0.8, 0.95, false), //              5, 4, 3, 5, 4: 4/5
          product: kind(3, 2, 0.6667, 0.95, false), //          5, 3, 4: 2/3
        },
        revisits: { restored: 7, revisited: 3, rate: 0.4286 }, // 3/7 = 0.428571 -> 0.4286
      },
    ]);
    // The monthly revisit rate does not depend on the grouping.
    expect(body.revisitRateByMonth).toEqual([
      { month: KEY2, restored: 5, revisited: 2, rate: 0.4 },
      { month: KEY1, restored: 2, revisited: 1, rate: 0.5 },
    ]);
  });

  it('groupBy=customer and groupBy=engineer', async () => {
    expect((await satisfaction({ groupBy: 'customer' })).groups).toEqual([
      {
        key: 'c-a', // S1, S2, S5, S6, S9
        kinds: {
          consultation: kind(1, 1, 1, 0.98, true), //           S5 4
          onsite: kind(3, 3, 1, 0.95, true), //                 S1 5, S2 4, S6 5
          product: kind(3, 2, 0.6667, 0.95, false), //          S1 5, S2 3, S6 4
        },
        revisits: { restored: 4, revisited: 2, rate: 0.5 }, //  S1, S2, S5, S6; S1, S6
      },
      {
        key: 'c-b', // S3, S4, S7, S8
        kinds: {
          consultation: kind(2, 1, 0.5, 0.98, false), //        S4 5, S8 3
          onsite: kind(2, 1, 0.5, 0.95, false), //              S3 3, S7 4
          product: kind(0, 0, null, 0.95, null), //             nothing rated: rate and met null
        },
        revisits: { restored: 3, revisited: 1, rate: 0.3333 }, // S3, S4, S8 (S7 reopened); S3: 1/3
      },
    ]);
    expect((await satisfaction({ groupBy: 'engineer' })).groups).toEqual([
      {
        key: '(none)', // S4, S5, S8, S9
        kinds: {
          consultation: kind(3, 2, 0.6667, 0.98, false),
          onsite: kind(0, 0, null, 0.95, null),
          product: kind(0, 0, null, 0.95, null),
        },
        revisits: { restored: 3, revisited: 0, rate: 0 },
      },
      {
        key: 'eng-li', // S1, S2
        kinds: {
          consultation: kind(0, 0, null, 0.98, null),
          onsite: kind(2, 2, 1, 0.95, true),
          product: kind(2, 1, 0.5, 0.95, false),
        },
        revisits: { restored: 2, revisited: 1, rate: 0.5 },
      },
      {
        key: 'eng-wang', // S3, S6
        kinds: {
          consultation: kind(0, 0, null, 0.98, null),
          onsite: kind(2, 1, 0.5, 0.95, false), //              S3 3, S6 5
          product: kind(1, 1, 1, 0.95, true), //                S6 4
        },
        revisits: { restored: 2, revisited: 2, rate: 1 },
      },
      {
        key: 'eng-zhao', // S7, reopened
        kinds: {
          consultation: kind(0, 0, null, 0.98, null),
          onsite: kind(1, 1, 1, 0.95, true),
          product: kind(0, 0, null, 0.95, null),
        },
        revisits: { restored: 0, revisited: 0, rate: null },
      },
    ]);
  });

  it('filters: severity (current, after a reprioritization), customerId, from', async () => {
    // major: S3 (reported major) and S7 (general -> major).
    expect((await satisfaction({ severity: 'major' })).groups).toEqual([
      {
        key: 'all',
        kinds: {
          consultation: kind(0, 0, null, 0.98, null),
          onsite: kind(2, 1, 0.5, 0.95, false), //              S3 3, S7 4
          product: kind(0, 0, null, 0.95, null),
        },
        revisits: { restored: 1, revisited: 1, rate: 1 }, //    S3 only (S7 reopened)
      },
    ]);
    const beta = await satisfaction({ customerId: 'c-b', groupBy: 'month' });
    expect(beta.groups).toEqual([
      {
        key: KEY2, // S3, S4
        kinds: { consultation: kind(1, 1, 1, 0.98, true), onsite: kind(1, 0, 0, 0.95, false), product: kind(0, 0, null, 0.95, null) },
        revisits: { restored: 2, revisited: 1, rate: 0.5 },
      },
      {
        key: KEY1, // S7, S8
        kinds: { consultation: kind(1, 0, 0, 0.98, false), onsite: kind(1, 1, 1, 0.95, true), product: kind(0, 0, null, 0.95, null) },
        revisits: { restored: 1, revisited: 0, rate: 0 },
      },
    ]);
    expect(beta.revisitRateByMonth).toEqual([
      { month: KEY2, restored: 2, revisited: 1, rate: 0.5 },
      { month: KEY1, restored: 1, revisited: 0, rate: 0 },
    ]);
    // from = M1 (inclusive): M1 figures alone, keyed all.
    const m1 = await satisfaction({ from: iso(M1) });
    expect(m1.groups).toEqual([
      {
        key: 'all',
        kinds: { consultation: kind(1, 0, 0, 0.98, false), onsite: kind(2, 2, 1, 0.95, true), product: kind(1, 1, 1, 0.95, true) },
        revisits: { restored: 2, revisited: 1, rate: 0.5 },
      },
    ]);
  });

  it('nothing matches: one empty group keyed all with the targets, no month', async () => {
    const body = await satisfaction({ policyId: 'dealer-service' });
    expect(body.groups).toEqual([
      {
        key: 'all',
        kinds: { consultation: kind(0, 0, null, 0.98, null), onsite: kind(0, 0, null, 0.95, null), product: kind(0, 0, null, 0.95, null) },
        revisits: { restored: 0, revisited: 0, rate: null },
      },
    ]);
    expect(body.revisitRateByMonth).toEqual([]);
    expect((await satisfaction({ policyId: 'dealer-service', groupBy: 'month' })).groups).toEqual([]);
  });

  it('format=csv: one line per group and kind', async () => {
    const answer = await askView(app.analyst, `/v1/views/satisfaction?from=${RANGE.from}&to=${RANGE.to}&groupBy=month&format=csv&minPosition=${desk.position}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="satisfaction.csv"');
    expect(csvLines(answer.text)).toEqual([
      'key,kind,rated,satisfied,rate,target,met',
      `${KEY2},consultation,2,2,1,0.98,true`,
      `${KEY2},onsite,3,2,0.6667,0.95,false`,
      `${KEY2},product,2,1,0.5,0.95,false`,
      `${KEY1},consultation,1,0,0,0.98,false`,
      `${KEY1},onsite,2,2,1,0.95,true`,
      `${KEY1},product,1,1,1,0.95,true`,
    ]);
    // A kind nothing rated: empty rate and met.
    const beta = await askView(app.analyst, `/v1/views/satisfaction?from=${RANGE.from}&to=${RANGE.to}&customerId=c-b&format=csv`);
    expect(csvLines(beta.text)).toEqual([
      'key,kind,rated,satisfied,rate,target,met',
      'all,consultation,2,1,0.5,0.98,false',
      'all,onsite,2,1,0.5,0.95,false',
      'all,product,0,0,,0.95,',
    ]);
  });
});
