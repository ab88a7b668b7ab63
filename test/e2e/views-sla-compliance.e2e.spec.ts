import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { askView, csvLines, DAY, dayKey, Desk, figures, HOUR, iso, isoWeekKey, MINUTE, monthKey, monthStart, nowSecond, startViewsApp, view, type TicketScript, type ViewsApp } from '../support/views-scenario';

/**
 * GET /v1/views/sla-compliance and /v1/views/sla-compliance/tickets against a scenario whose every
 * number is computed by hand below (the service contract-8, the clock rules of libs/ticketing/README).
 *
 * Months are relative to now so the scenario is always in the past: M2 and M1 are the two months
 * before the current month M0 (the month of T6, reported five minutes ago).
 *
 * | ticket | month | policy         | severity             | customer | engineer(s)               |
 * |--------|-------|----------------|----------------------|----------|---------------------------|
 * | T1     | M2    | it-support     | general              | c-alpha  | eng-li                    |
 * | T2     | M2    | it-support     | major                | c-beta   | eng-wang, senior eng-zhao |
 * | T3     | M1    | it-support     | major                | c-alpha  | eng-li                    |
 * | T4     | M1    | it-support     | general -> major     | c-beta   | eng-wang                  |
 * | T7     | M1    | dealer-service | general (suburban)   | c-beta   | eng-ma                    |
 * | T5     | M1    | it-support     | general              | c-alpha  | (none)                    |
 * | T6     | M0    | it-support     | major                | c-gamma  | (none)                    |
 *
 * Clocks (M met, B breached, R running; * = open clock past due, breached at query time):
 *
 * | ticket | response     | onsiteResolution | restoration | seniorArrival | report      | arrival    |
 * |--------|--------------|------------------|-------------|---------------|-------------|------------|
 * | T1     | M 10m        | M 50m            | M 50m       |               | M 2h        |            |
 * | T2     | B 45m        | B 5h             | M 5h        | B 2h30m       | B 30h       |            |
 * | T3     | M 20m        | M 60m (+3h pause)| M 60m       |               | M 23h       |            |
 * | T4     | M 25m (gen.) | B 90m (major)    | M 90m (maj.)|               | M 1h (maj.) |            |
 * | T7     | M 5m         | (no target)      | M 4h10m     | (no target)   | B 25h       | M 3h40m/4h |
 * | T5     | B*           | B*               | B*          |               |             |            |
 * | T6     | M 1m         | R                | R           |               |             |            |
 */

let app: ViewsApp;
const desk = new Desk(() => app.service);

const T6_AT = nowSecond() - 5 * MINUTE;
const M0 = monthStart(T6_AT);
const M1 = monthStart(T6_AT, -1);
const M2 = monthStart(T6_AT, -2);
const NEXT = monthStart(T6_AT, 1);
const KEY0 = monthKey(M0);
const KEY1 = monthKey(M1);
const KEY2 = monthKey(M2);

let T1: TicketScript, T2: TicketScript, T3: TicketScript, T4: TicketScript, T5: TicketScript, T6: TicketScript, T7: TicketScript;

/** The whole scenario: from the start of M2 to the start of the next month. */
const RANGE = { from: iso(M2).slice(0, 10), to: iso(NEXT).slice(0, 10) };

const compliance = (params: Record<string, string | number | undefined>) =>
  view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, minPosition: desk.position, ...params });
const rows = (params: Record<string, string | number | undefined>) =>
  view(app.analyst, '/v1/views/sla-compliance/tickets', { ...RANGE, minPosition: desk.position, ...params });

beforeAll(async () => {
  app = await startViewsApp();

  // T1: everything within target.
  T1 = await desk.report(M2 + 4 * DAY + 8 * HOUR, { customerId: 'c-alpha', severity: 'general' });
  await T1.acknowledge(10 * MINUTE); //                      response 10m <= 30m: met
  await T1.dispatch('eng-li', 'onsite', 15 * MINUTE);
  await T1.arrive('eng-li', 35 * MINUTE);
  await T1.restore(50 * MINUTE); //                          onsite 50m <= 1h, restoration 50m <= 8h: met
  await T1.fileReport(50 * MINUTE + 2 * HOUR); //            report 2h <= 24h: met

  // T2: late acknowledgement, escalation to a senior engineer who arrives late, late report.
  T2 = await desk.report(M2 + 11 * DAY + 10 * HOUR, { customerId: 'c-beta', severity: 'major' });
  await T2.acknowledge(45 * MINUTE); //                      response 45m > 30m: breached
  await T2.dispatch('eng-wang', 'onsite', 50 * MINUTE);
  await T2.arrive('eng-wang', 70 * MINUTE);
  await T2.dispatch('eng-zhao', 'senior', 80 * MINUTE); //   seniorArrival starts, due +80m+2h = +200m
  await T2.arrive('eng-zhao', 230 * MINUTE); //              seniorArrival 150m > 120m: breached
  await T2.restore(5 * HOUR); //                             onsite 5h > 1h: breached; restoration 5h <= 8h: met
  await T2.fileReport(5 * HOUR + 30 * HOUR); //              report 30h > 24h: breached

  // T3: a 3 h pause keeps on-site resolution exactly on target (60 min of running time: met).
  T3 = await desk.report(M1 + 6 * DAY + 9 * HOUR, { customerId: 'c-alpha', severity: 'major' });
  await T3.acknowledge(20 * MINUTE); //                      response 20m: met
  await T3.dispatch('eng-li', 'onsite', 25 * MINUTE);
  await T3.pause(40 * MINUTE); //                            40m ran
  await T3.resume(220 * MINUTE); //                          180m held
  await T3.arrive('eng-li', 225 * MINUTE);
  await T3.restore(240 * MINUTE); //                         40m + 20m = 60m = target: met
  await T3.fileReport(240 * MINUTE + 23 * HOUR); //          report 23h: met

  // T4: reported general, reprioritized to major after the acknowledgement.
  T4 = await desk.report(M1 + 13 * DAY + 12 * HOUR, { customerId: 'c-beta', severity: 'general' });
  await T4.acknowledge(25 * MINUTE); //                      response 25m: met, stopped while general
  await T4.reprioritize('major', 30 * MINUTE); //            open clocks now take their target from major
  await T4.dispatch('eng-wang', 'onsite', 35 * MINUTE);
  await T4.arrive('eng-wang', 55 * MINUTE);
  await T4.restore(90 * MINUTE); //                          onsite 90m > 60m: breached; restoration met (major)
  await T4.fileReport(150 * MINUTE); //                      report 1h: met (major)

  // T7: the dealer-service policy, suburban site: arrival target 4 h, no on-site resolution clock.
  T7 = await desk.report(M1 + 15 * DAY + 10 * HOUR, { customerId: 'c-beta', severity: 'general', policyId: 'dealer-service', zone: 'suburban' });
  await T7.acknowledge(5 * MINUTE); //                       response 5m: met
  await T7.dispatch('eng-ma', 'onsite', 10 * MINUTE); //     arrival runs from the report (the call), due +4h = +240m
  await T7.arrive('eng-ma', 220 * MINUTE); //                arrival 3h40m <= 4h: met (urban 2h would breach)
  await T7.restore(250 * MINUTE); //                         restoration 4h10m: met
  await T7.fileReport(250 * MINUTE + 25 * HOUR); //          report 25h > 24h: breached

  // T5: reported and never touched again; every clock's due time passed long ago.
  T5 = await desk.report(M1 + 19 * DAY + 6 * HOUR, { customerId: 'c-alpha', severity: 'general' });

  // T6: reported five minutes ago, acknowledged a minute later; on-site (1 h) and restoration (8 h) run.
  T6 = await desk.report(T6_AT, { customerId: 'c-gamma', severity: 'major' });
  await T6.acknowledge(1 * MINUTE); //                       response 1m: met
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

describe('GET /v1/views/sla-compliance, hand-computed', () => {
  it('without groupBy: one group keyed all, every metric of the seven tickets', async () => {
    const body = await compliance({});
    expect(body).toEqual({
      from: iso(M2),
      to: iso(NEXT),
      groupBy: null,
      groups: [
        {
          key: 'all',
          metrics: {
            // T1 M, T2 B, T3 M, T4 M, T7 M, T5 B*, T6 M: 7 = 5 met + 2 breached; 5/7 = 0.714285 -> 0.7143
            response: figures(7, 5, 2, 0, 0.7143, 'PT30M'),
            // T1 M, T2 B, T3 M, T4 B, T5 B*, T6 R (T7's policy has none): 6 = 2 + 3 + 1 running; 2/5 = 0.4
            onsiteResolution: figures(6, 2, 3, 1, 0.4, 'PT1H'),
            // T1 M, T2 M, T3 M, T4 M, T7 M, T5 B*, T6 R: 7 = 5 + 1 + 1; 5/6 = 0.83333 -> 0.8333
            restoration: figures(7, 5, 1, 1, 0.8333, 'PT8H'),
            // T2 B only: 0/1 = 0
            seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H'),
            // T1 M, T2 B, T3 M, T4 M, T7 B: 5 = 3 + 2; 3/5 = 0.6
            report: figures(5, 3, 2, 0, 0.6, 'PT24H'),
            // T7 M (suburban target PT4H)
            arrival: figures(1, 1, 0, 0, 1, 'PT4H'),
          },
        },
      ],
    });
  });

  it('groupBy=month: tickets count in the month of their report (UTC)', async () => {
    const body = await compliance({ groupBy: 'month' });
    expect(body.groupBy).toBe('month');
    expect(body.groups).toEqual([
      {
        key: KEY2, // T1, T2
        metrics: {
          response: figures(2, 1, 1, 0, 0.5, 'PT30M'), //          T1 M, T2 B
          onsiteResolution: figures(2, 1, 1, 0, 0.5, 'PT1H'), //   T1 M, T2 B
          restoration: figures(2, 2, 0, 0, 1, 'PT8H'), //          T1 M, T2 M
          seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H'), //        T2 B
          report: figures(2, 1, 1, 0, 0.5, 'PT24H'), //            T1 M, T2 B (filed on the next day, counted by report time)
        },
      },
      {
        key: KEY1, // T3, T4, T7, T5
        metrics: {
          response: figures(4, 3, 1, 0, 0.75, 'PT30M'), //         T3 M, T4 M, T7 M, T5 B*; 3/4
          onsiteResolution: figures(3, 1, 2, 0, 0.3333, 'PT1H'), // T3 M, T4 B, T5 B*; 1/3
          restoration: figures(4, 3, 1, 0, 0.75, 'PT8H'), //       T3 M, T4 M, T7 M, T5 B*
          report: figures(3, 2, 1, 0, 0.6667, 'PT24H'), //         T3 M, T4 M, T7 B; 2/3
          arrival: figures(1, 1, 0, 0, 1, 'PT4H'), //              T7 M
        },
      },
      {
        key: KEY0, // T6
        metrics: {
          response: figures(1, 1, 0, 0, 1, 'PT30M'), //            T6 M
          onsiteResolution: figures(1, 0, 0, 1, null, 'PT1H'), //  T6 R: nothing decided, compliance null
          restoration: figures(1, 0, 0, 1, null, 'PT8H'), //       T6 R
        },
      },
    ]);
  });

  it('groupBy=severity: each clock counts under its severity (current while open, at its stop once stopped)', async () => {
    const body = await compliance({ groupBy: 'severity' });
    expect(body.groups).toEqual([
      {
        key: 'general', // T1 (all), T4 response (stopped before the change), T5 (all), T7 (all)
        metrics: {
          response: figures(4, 3, 1, 0, 0.75, 'PT30M'), //         T1 M, T4 M, T7 M, T5 B*
          onsiteResolution: figures(2, 1, 1, 0, 0.5, 'PT1H'), //   T1 M, T5 B*
          restoration: figures(3, 2, 1, 0, 0.6667, 'PT8H'), //     T1 M, T7 M, T5 B*
          report: figures(2, 1, 1, 0, 0.5, 'PT24H'), //            T1 M, T7 B
          arrival: figures(1, 1, 0, 0, 1, 'PT4H'), //              T7 M
        },
      },
      {
        key: 'major', // T2, T3, T4 (onsite, restoration, report), T6
        metrics: {
          response: figures(3, 2, 1, 0, 0.6667, 'PT30M'), //       T2 B, T3 M, T6 M
          onsiteResolution: figures(4, 1, 2, 1, 0.3333, 'PT1H'), // T2 B, T3 M, T4 B, T6 R; 1/3
          restoration: figures(4, 3, 0, 1, 1, 'PT8H'), //          T2 M, T3 M, T4 M, T6 R; 3/3
          seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H'), //        T2 B
          report: figures(3, 2, 1, 0, 0.6667, 'PT24H'), //         T2 B, T3 M, T4 M
        },
      },
    ]);
  });

  it('groupBy=customer', async () => {
    const body = await compliance({ groupBy: 'customer' });
    expect(body.groups).toEqual([
      {
        key: 'c-alpha', // T1, T3, T5
        metrics: {
          response: figures(3, 2, 1, 0, 0.6667, 'PT30M'), //       T1 M, T3 M, T5 B*
          onsiteResolution: figures(3, 2, 1, 0, 0.6667, 'PT1H'), // T1 M, T3 M, T5 B*
          restoration: figures(3, 2, 1, 0, 0.6667, 'PT8H'), //     T1 M, T3 M, T5 B*
          report: figures(2, 2, 0, 0, 1, 'PT24H'), //              T1 M, T3 M
        },
      },
      {
        key: 'c-beta', // T2, T4, T7
        metrics: {
          response: figures(3, 2, 1, 0, 0.6667, 'PT30M'), //       T2 B, T4 M, T7 M
          onsiteResolution: figures(2, 0, 2, 0, 0, 'PT1H'), //     T2 B, T4 B
          restoration: figures(3, 3, 0, 0, 1, 'PT8H'), //          T2 M, T4 M, T7 M
          seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H'), //        T2 B
          report: figures(3, 1, 2, 0, 0.3333, 'PT24H'), //         T2 B, T4 M, T7 B; 1/3
          arrival: figures(1, 1, 0, 0, 1, 'PT4H'), //              T7 M
        },
      },
      {
        key: 'c-gamma', // T6
        metrics: {
          response: figures(1, 1, 0, 0, 1, 'PT30M'),
          onsiteResolution: figures(1, 0, 0, 1, null, 'PT1H'),
          restoration: figures(1, 0, 0, 1, null, 'PT8H'),
        },
      },
    ]);
  });

  it('groupBy=engineer: the first engineer dispatched, the senior one for seniorArrival, (none) without a dispatch', async () => {
    const body = await compliance({ groupBy: 'engineer' });
    expect(body.groups).toEqual([
      {
        key: '(none)', // T5, T6
        metrics: {
          response: figures(2, 1, 1, 0, 0.5, 'PT30M'), //          T5 B*, T6 M
          onsiteResolution: figures(2, 0, 1, 1, 0, 'PT1H'), //     T5 B*, T6 R; 0/1
          restoration: figures(2, 0, 1, 1, 0, 'PT8H'), //          T5 B*, T6 R
        },
      },
      {
        key: 'eng-li', // T1, T3: all met
        metrics: {
          response: figures(2, 2, 0, 0, 1, 'PT30M'),
          onsiteResolution: figures(2, 2, 0, 0, 1, 'PT1H'),
          restoration: figures(2, 2, 0, 0, 1, 'PT8H'),
          report: figures(2, 2, 0, 0, 1, 'PT24H'),
        },
      },
      {
        key: 'eng-ma', // T7
        metrics: {
          response: figures(1, 1, 0, 0, 1, 'PT30M'),
          restoration: figures(1, 1, 0, 0, 1, 'PT8H'),
          report: figures(1, 0, 1, 0, 0, 'PT24H'),
          arrival: figures(1, 1, 0, 0, 1, 'PT4H'),
        },
      },
      {
        key: 'eng-wang', // T2 (but its seniorArrival), T4
        metrics: {
          response: figures(2, 1, 1, 0, 0.5, 'PT30M'), //          T2 B, T4 M
          onsiteResolution: figures(2, 0, 2, 0, 0, 'PT1H'), //     T2 B, T4 B
          restoration: figures(2, 2, 0, 0, 1, 'PT8H'), //          T2 M, T4 M
          report: figures(2, 1, 1, 0, 0.5, 'PT24H'), //            T2 B, T4 M
        },
      },
      {
        key: 'eng-zhao', // T2's senior arrival
        metrics: { seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H') },
      },
    ]);
  });

  it('groupBy=policy: policy id and version', async () => {
    const body = await compliance({ groupBy: 'policy' });
    expect(body.groups).toEqual([
      {
        key: 'dealer-service@1', // T7
        metrics: {
          response: figures(1, 1, 0, 0, 1, 'PT30M'),
          restoration: figures(1, 1, 0, 0, 1, 'PT8H'),
          report: figures(1, 0, 1, 0, 0, 'PT24H'),
          arrival: figures(1, 1, 0, 0, 1, 'PT4H'),
        },
      },
      {
        key: 'it-support-plan@1', // everything but T7
        metrics: {
          response: figures(6, 4, 2, 0, 0.6667, 'PT30M'), //       T1 M, T2 B, T3 M, T4 M, T5 B*, T6 M; 4/6
          onsiteResolution: figures(6, 2, 3, 1, 0.4, 'PT1H'), //   as in "all"
          restoration: figures(6, 4, 1, 1, 0.8, 'PT8H'), //        T1 M, T2 M, T3 M, T4 M, T5 B*, T6 R; 4/5
          seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H'),
          report: figures(4, 3, 1, 0, 0.75, 'PT24H'), //           T1 M, T2 B, T3 M, T4 M
        },
      },
    ]);
  });

  it('groupBy=day and groupBy=week key by the UTC day and the ISO week of the report', async () => {
    const days = await compliance({ groupBy: 'day', metric: 'response' });
    // One ticket a day; response outcomes as in the table.
    expect(days.groups).toEqual([
      { key: dayKey(T1.reportedAt), metrics: { response: figures(1, 1, 0, 0, 1, 'PT30M') } },
      { key: dayKey(T2.reportedAt), metrics: { response: figures(1, 0, 1, 0, 0, 'PT30M') } },
      { key: dayKey(T3.reportedAt), metrics: { response: figures(1, 1, 0, 0, 1, 'PT30M') } },
      { key: dayKey(T4.reportedAt), metrics: { response: figures(1, 1, 0, 0, 1, 'PT30M') } },
      { key: dayKey(T7.reportedAt), metrics: { response: figures(1, 1, 0, 0, 1, 'PT30M') } },
      { key: dayKey(T5.reportedAt), metrics: { response: figures(1, 0, 1, 0, 0, 'PT30M') } },
      { key: dayKey(T6.reportedAt), metrics: { response: figures(1, 1, 0, 0, 1, 'PT30M') } },
    ]);
    const weeks = await compliance({ groupBy: 'week', metric: 'response', to: iso(M1) });
    // Only T1 (day 5) and T2 (day 12) of M2: seven days apart, so two different ISO weeks.
    expect(weeks.groups).toEqual([
      { key: isoWeekKey(T1.reportedAt), metrics: { response: figures(1, 1, 0, 0, 1, 'PT30M') } },
      { key: isoWeekKey(T2.reportedAt), metrics: { response: figures(1, 0, 1, 0, 0, 'PT30M') } },
    ]);
  });

  it('filters: severity, customerId, policyId, engineerId, and several at once', async () => {
    // severity=major: the major group above, keyed all.
    expect((await compliance({ severity: 'major' })).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(3, 2, 1, 0, 0.6667, 'PT30M'),
          onsiteResolution: figures(4, 1, 2, 1, 0.3333, 'PT1H'),
          restoration: figures(4, 3, 0, 1, 1, 'PT8H'),
          seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H'),
          report: figures(3, 2, 1, 0, 0.6667, 'PT24H'),
        },
      },
    ]);
    // customerId=c-beta: T2, T4, T7.
    expect((await compliance({ customerId: 'c-beta' })).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(3, 2, 1, 0, 0.6667, 'PT30M'),
          onsiteResolution: figures(2, 0, 2, 0, 0, 'PT1H'),
          restoration: figures(3, 3, 0, 0, 1, 'PT8H'),
          seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H'),
          report: figures(3, 1, 2, 0, 0.3333, 'PT24H'),
          arrival: figures(1, 1, 0, 0, 1, 'PT4H'),
        },
      },
    ]);
    // policyId=dealer-service: T7 alone.
    expect((await compliance({ policyId: 'dealer-service' })).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(1, 1, 0, 0, 1, 'PT30M'),
          restoration: figures(1, 1, 0, 0, 1, 'PT8H'),
          report: figures(1, 0, 1, 0, 0, 'PT24H'),
          arrival: figures(1, 1, 0, 0, 1, 'PT4H'),
        },
      },
    ]);
    // policyId=it-support-plan: all but T7 (the it-support-plan@1 group above).
    expect((await compliance({ policyId: 'it-support-plan' })).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(6, 4, 2, 0, 0.6667, 'PT30M'),
          onsiteResolution: figures(6, 2, 3, 1, 0.4, 'PT1H'),
          restoration: figures(6, 4, 1, 1, 0.8, 'PT8H'),
          seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H'),
          report: figures(4, 3, 1, 0, 0.75, 'PT24H'),
        },
      },
    ]);
    // engineerId=eng-wang: T2 and T4, without T2's seniorArrival (that row is eng-zhao's).
    expect((await compliance({ engineerId: 'eng-wang' })).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(2, 1, 1, 0, 0.5, 'PT30M'),
          onsiteResolution: figures(2, 0, 2, 0, 0, 'PT1H'),
          restoration: figures(2, 2, 0, 0, 1, 'PT8H'),
          report: figures(2, 1, 1, 0, 0.5, 'PT24H'),
        },
      },
    ]);
    // customerId=c-alpha grouped by month: M2 has T1 (all met); M1 has T3 (all met) and T5 (all breached*).
    expect((await compliance({ customerId: 'c-alpha', groupBy: 'month' })).groups).toEqual([
      {
        key: KEY2,
        metrics: {
          response: figures(1, 1, 0, 0, 1, 'PT30M'),
          onsiteResolution: figures(1, 1, 0, 0, 1, 'PT1H'),
          restoration: figures(1, 1, 0, 0, 1, 'PT8H'),
          report: figures(1, 1, 0, 0, 1, 'PT24H'),
        },
      },
      {
        key: KEY1,
        metrics: {
          response: figures(2, 1, 1, 0, 0.5, 'PT30M'),
          onsiteResolution: figures(2, 1, 1, 0, 0.5, 'PT1H'),
          restoration: figures(2, 1, 1, 0, 0.5, 'PT8H'),
          report: figures(1, 1, 0, 0, 1, 'PT24H'), //              T5 has no report clock: never restored
        },
      },
    ]);
    // severity=general and customerId=c-beta: T4's response (general at its stop) and T7's four clocks.
    expect((await compliance({ severity: 'general', customerId: 'c-beta' })).groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(2, 2, 0, 0, 1, 'PT30M'), //            T4 M, T7 M
          restoration: figures(1, 1, 0, 0, 1, 'PT8H'), //          T7 M
          report: figures(1, 0, 1, 0, 0, 'PT24H'), //              T7 B
          arrival: figures(1, 1, 0, 0, 1, 'PT4H'), //              T7 M
        },
      },
    ]);
  });

  it('a filter that matches nothing: one empty group keyed all without groupBy, no group with groupBy', async () => {
    expect((await compliance({ customerId: 'c-nobody' })).groups).toEqual([{ key: 'all', metrics: {} }]);
    expect((await compliance({ customerId: 'c-nobody', groupBy: 'month' })).groups).toEqual([]);
  });

  it('the metric filter keeps one metric', async () => {
    expect((await compliance({ metric: 'response', groupBy: 'month' })).groups).toEqual([
      { key: KEY2, metrics: { response: figures(2, 1, 1, 0, 0.5, 'PT30M') } },
      { key: KEY1, metrics: { response: figures(4, 3, 1, 0, 0.75, 'PT30M') } },
      { key: KEY0, metrics: { response: figures(1, 1, 0, 0, 1, 'PT30M') } },
    ]);
    // Only M1 has an arrival clock (T7): the other months have no group at all.
    expect((await compliance({ metric: 'arrival', groupBy: 'month' })).groups).toEqual([
      { key: KEY1, metrics: { arrival: figures(1, 1, 0, 0, 1, 'PT4H') } },
    ]);
    expect((await compliance({ metric: 'seniorArrival' })).groups).toEqual([
      { key: 'all', metrics: { seniorArrival: figures(1, 0, 1, 0, 0, 'PT2H') } },
    ]);
    // No consultations in this scenario: consultationAverage alone is an empty group.
    expect((await compliance({ metric: 'consultationAverage' })).groups).toEqual([{ key: 'all', metrics: {} }]);
  });

  it('from is inclusive and to exclusive: a ticket reported exactly at `to` is left out, one exactly at `from` is in', async () => {
    // from = T3's report instant (in), to = T5's report instant (out): T3, T4, T7.
    const body = await compliance({ from: iso(T3.reportedAt), to: iso(T5.reportedAt) });
    expect(body.from).toBe(iso(T3.reportedAt));
    expect(body.to).toBe(iso(T5.reportedAt));
    expect(body.groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(3, 3, 0, 0, 1, 'PT30M'), //            T3 M, T4 M, T7 M
          onsiteResolution: figures(2, 1, 1, 0, 0.5, 'PT1H'), //   T3 M, T4 B
          restoration: figures(3, 3, 0, 0, 1, 'PT8H'), //          T3 M, T4 M, T7 M
          report: figures(3, 2, 1, 0, 0.6667, 'PT24H'), //         T3 M, T4 M, T7 B
          arrival: figures(1, 1, 0, 0, 1, 'PT4H'), //              T7 M
        },
      },
    ]);
    // One millisecond later, T3 is out: T4 and T7.
    const later = await compliance({ from: iso(T3.reportedAt + 1), to: iso(T5.reportedAt), metric: 'response' });
    expect(later.groups).toEqual([{ key: 'all', metrics: { response: figures(2, 2, 0, 0, 1, 'PT30M') } }]);
    // T5 exactly at `from`, written with a +08:00 offset (the same instant): T5 alone up to M0.
    const local = new Date(T5.reportedAt + 8 * HOUR).toISOString().slice(0, 19) + '+08:00';
    const t5 = await compliance({ from: local, to: iso(M0) });
    expect(t5.from).toBe(iso(T5.reportedAt));
    expect(t5.groups).toEqual([
      {
        key: 'all',
        metrics: {
          response: figures(1, 0, 1, 0, 0, 'PT30M'),
          onsiteResolution: figures(1, 0, 1, 0, 0, 'PT1H'),
          restoration: figures(1, 0, 1, 0, 0, 'PT8H'),
        },
      },
    ]);
    // to = M1 as a date alone (00:00 UTC): M2's T1 and T2 only.
    const m2 = await compliance({ to: iso(M1).slice(0, 10), metric: 'restoration' });
    expect(m2.to).toBe(iso(M1));
    expect(m2.groups).toEqual([{ key: 'all', metrics: { restoration: figures(2, 2, 0, 0, 1, 'PT8H') } }]);
  });

  it('an open clock past its due time is breached at query time; the ticket view agrees', async () => {
    // T5 was written with only its report: every clock was running when the row was written.
    const ticket = await app.service.get(`/v1/tickets/${T5.id}`);
    expect(ticket.status).toBe(200);
    const clocks = Object.fromEntries((ticket.body.clocks as any[]).map((c) => [c.metric, c]));
    expect(Object.keys(clocks).sort()).toEqual(['onsiteResolution', 'response', 'restoration']);
    // Due: T5 + 30m, + 1h, + 8h, all long past: breached, still open.
    expect(clocks.response).toMatchObject({ state: 'breached', stoppedAt: null, dueAt: iso(T5.at(30 * MINUTE)), pausedMs: 0 });
    expect(clocks.onsiteResolution).toMatchObject({ state: 'breached', stoppedAt: null, dueAt: iso(T5.at(HOUR)), pausedMs: 0 });
    expect(clocks.restoration).toMatchObject({ state: 'breached', stoppedAt: null, dueAt: iso(T5.at(8 * HOUR)), pausedMs: 0 });

    // T6's open clocks are not due yet: the ticket view says so too.
    const t6 = await app.service.get(`/v1/tickets/${T6.id}`);
    const t6Clocks = Object.fromEntries((t6.body.clocks as any[]).map((c) => [c.metric, c]));
    expect(t6Clocks.response).toMatchObject({ state: 'met', elapsedMs: MINUTE, dueAt: iso(T6.at(30 * MINUTE)), stoppedAt: iso(T6.at(MINUTE)) });
    expect(['running', 'warning']).toContain(t6Clocks.onsiteResolution.state);
    expect(t6Clocks.onsiteResolution.dueAt).toBe(iso(T6.at(HOUR)));
    expect(t6Clocks.restoration.dueAt).toBe(iso(T6.at(8 * HOUR)));
  });

  it('the pause of T3 is paused time: the ticket view and the row agree on elapsed 60 min, paused 3 h, due at the restore', async () => {
    const ticket = await app.service.get(`/v1/tickets/${T3.id}`);
    const onsite = (ticket.body.clocks as any[]).find((c) => c.metric === 'onsiteResolution');
    // Ran 40m + 20m = 60m (100 % of 1 h), held 180m; due = resume + the 20m left = T3 + 240m.
    expect(onsite).toMatchObject({
      state: 'met',
      elapsedMs: 60 * MINUTE,
      pausedMs: 180 * MINUTE,
      percentUsed: 100,
      dueAt: iso(T3.at(240 * MINUTE)),
      stoppedAt: iso(T3.at(240 * MINUTE)),
    });
    expect(onsite.events.paused).toEqual([expect.objectContaining({ type: 'TicketPaused', at: iso(T3.at(40 * MINUTE)) })]);
    expect(onsite.events.resumed).toEqual([expect.objectContaining({ type: 'TicketResumed', at: iso(T3.at(220 * MINUTE)) })]);
  });
});

describe('GET /v1/views/sla-compliance/tickets: per-ticket rows', () => {
  it('every clock row, ordered by report time, then ticket, then metric; 27 in all', async () => {
    const page = await rows({ limit: 500 });
    // T1 4 + T2 5 + T3 4 + T4 4 + T7 4 + T5 3 + T6 3 = 27
    expect(page.total).toBe(27);
    expect(page.limit).toBe(500);
    expect(page.offset).toBe(0);
    expect(page.items.map((r: any) => [r.ticketId, r.metric, r.outcome])).toEqual([
      [T1.id, 'onsiteResolution', 'met'],
      [T1.id, 'report', 'met'],
      [T1.id, 'response', 'met'],
      [T1.id, 'restoration', 'met'],
      [T2.id, 'onsiteResolution', 'breached'],
      [T2.id, 'report', 'breached'],
      [T2.id, 'response', 'breached'],
      [T2.id, 'restoration', 'met'],
      [T2.id, 'seniorArrival', 'breached'],
      [T3.id, 'onsiteResolution', 'met'],
      [T3.id, 'report', 'met'],
      [T3.id, 'response', 'met'],
      [T3.id, 'restoration', 'met'],
      [T4.id, 'onsiteResolution', 'breached'],
      [T4.id, 'report', 'met'],
      [T4.id, 'response', 'met'],
      [T4.id, 'restoration', 'met'],
      [T7.id, 'arrival', 'met'],
      [T7.id, 'report', 'breached'],
      [T7.id, 'response', 'met'],
      [T7.id, 'restoration', 'met'],
      [T5.id, 'onsiteResolution', 'breached'],
      [T5.id, 'response', 'breached'],
      [T5.id, 'restoration', 'breached'],
      [T6.id, 'onsiteResolution', 'running'],
      [T6.id, 'response', 'met'],
      [T6.id, 'restoration', 'running'],
    ]);
  });

  it('metric=response&outcome=breached: T2 (stopped late) and T5 (open, past due)', async () => {
    const page = await rows({ metric: 'response', outcome: 'breached' });
    expect(page.total).toBe(2);
    expect(page.items[0]).toEqual({
      ticketId: T2.id,
      metric: 'response',
      outcome: 'breached',
      paused: false,
      reportedAt: iso(T2.reportedAt),
      policyId: 'it-support-plan',
      policyVersion: 1,
      severity: 'major',
      customerId: 'c-beta',
      engineerId: 'eng-wang',
      target: 'PT30M',
      startedAt: iso(T2.reportedAt),
      dueAt: iso(T2.at(30 * MINUTE)), //                        report + 30m
      stoppedAt: iso(T2.at(45 * MINUTE)),
      elapsedMs: 45 * MINUTE, //                                 2,700,000
      pausedMs: 0,
    });
    // T5's row: open, so no stop; its elapsed time is the subject of views-clock-rows-now.
    expect(page.items[1]).toEqual({
      ticketId: T5.id,
      metric: 'response',
      outcome: 'breached',
      paused: false,
      reportedAt: iso(T5.reportedAt),
      policyId: 'it-support-plan',
      policyVersion: 1,
      severity: 'general',
      customerId: 'c-alpha',
      engineerId: null,
      target: 'PT30M',
      startedAt: iso(T5.reportedAt),
      dueAt: iso(T5.at(30 * MINUTE)),
      stoppedAt: null,
      elapsedMs: expect.any(Number),
      pausedMs: 0,
    });
  });

  it('metric=onsiteResolution&outcome=met: T1, and T3 with its pause', async () => {
    const page = await rows({ metric: 'onsiteResolution', outcome: 'met' });
    expect(page.total).toBe(2);
    expect(page.items).toEqual([
      {
        ticketId: T1.id,
        metric: 'onsiteResolution',
        outcome: 'met',
        paused: false,
        reportedAt: iso(T1.reportedAt),
        policyId: 'it-support-plan',
        policyVersion: 1,
        severity: 'general',
        customerId: 'c-alpha',
        engineerId: 'eng-li',
        target: 'PT1H',
        startedAt: iso(T1.reportedAt),
        dueAt: iso(T1.at(HOUR)),
        stoppedAt: iso(T1.at(50 * MINUTE)),
        elapsedMs: 50 * MINUTE, //                               3,000,000
        pausedMs: 0,
      },
      {
        ticketId: T3.id,
        metric: 'onsiteResolution',
        outcome: 'met',
        paused: false,
        reportedAt: iso(T3.reportedAt),
        policyId: 'it-support-plan',
        policyVersion: 1,
        severity: 'major',
        customerId: 'c-alpha',
        engineerId: 'eng-li',
        target: 'PT1H',
        startedAt: iso(T3.reportedAt),
        dueAt: iso(T3.at(240 * MINUTE)), //                      resume (220m) + 20m left
        stoppedAt: iso(T3.at(240 * MINUTE)),
        elapsedMs: 60 * MINUTE, //                               40m + 20m = 3,600,000
        pausedMs: 180 * MINUTE, //                               10,800,000
      },
    ]);
  });

  it('rows of the senior arrival, the suburban arrival, the reprioritized ticket and a late report', async () => {
    const senior = await rows({ metric: 'seniorArrival' });
    expect(senior.total).toBe(1);
    expect(senior.items[0]).toMatchObject({
      ticketId: T2.id,
      outcome: 'breached',
      engineerId: 'eng-zhao',
      target: 'PT2H',
      startedAt: iso(T2.at(80 * MINUTE)),
      dueAt: iso(T2.at(200 * MINUTE)), //                        80m + 2h
      stoppedAt: iso(T2.at(230 * MINUTE)),
      elapsedMs: 150 * MINUTE, //                                9,000,000
      pausedMs: 0,
    });
    const arrival = await rows({ metric: 'arrival' });
    expect(arrival.items).toEqual([
      {
        ticketId: T7.id,
        metric: 'arrival',
        outcome: 'met',
        paused: false,
        reportedAt: iso(T7.reportedAt),
        policyId: 'dealer-service',
        policyVersion: 1,
        severity: 'general',
        customerId: 'c-beta',
        engineerId: 'eng-ma',
        target: 'PT4H', //                                       suburban
        startedAt: iso(T7.at(0)), //                             the dealer policy counts from the call
        dueAt: iso(T7.at(240 * MINUTE)), //                      0 + 4h
        stoppedAt: iso(T7.at(220 * MINUTE)),
        elapsedMs: 220 * MINUTE, //                              13,200,000
        pausedMs: 0,
      },
    ]);
    // T4's clocks: the response stopped while general, the others under major.
    const t4 = (await rows({ limit: 500 })).items.filter((r: any) => r.ticketId === T4.id);
    expect(t4.map((r: any) => [r.metric, r.severity, r.dueAt, r.stoppedAt, r.elapsedMs])).toEqual([
      ['onsiteResolution', 'major', iso(T4.at(HOUR)), iso(T4.at(90 * MINUTE)), 90 * MINUTE],
      ['report', 'major', iso(T4.at(90 * MINUTE + 24 * HOUR)), iso(T4.at(150 * MINUTE)), 60 * MINUTE],
      ['response', 'general', iso(T4.at(30 * MINUTE)), iso(T4.at(25 * MINUTE)), 25 * MINUTE],
      ['restoration', 'major', iso(T4.at(8 * HOUR)), iso(T4.at(90 * MINUTE)), 90 * MINUTE],
    ]);
    // The filters of the aggregate apply to rows too: general clocks of c-beta are T4's response and T7's four.
    const general = await rows({ severity: 'general', customerId: 'c-beta' });
    expect(general.total).toBe(5);
    expect(general.items.map((r: any) => [r.ticketId, r.metric])).toEqual([
      [T4.id, 'response'],
      [T7.id, 'arrival'],
      [T7.id, 'report'],
      [T7.id, 'response'],
      [T7.id, 'restoration'],
    ]);
    const late = await rows({ metric: 'report', outcome: 'breached' });
    expect(late.items.map((r: any) => [r.ticketId, r.startedAt, r.dueAt, r.stoppedAt, r.elapsedMs])).toEqual([
      [T2.id, iso(T2.at(5 * HOUR)), iso(T2.at(29 * HOUR)), iso(T2.at(35 * HOUR)), 30 * HOUR],
      [T7.id, iso(T7.at(250 * MINUTE)), iso(T7.at(250 * MINUTE + 24 * HOUR)), iso(T7.at(250 * MINUTE + 25 * HOUR)), 25 * HOUR],
    ]);
  });

  it('outcome filters count: 16 met, 9 breached, 2 running', async () => {
    // met: T1 4, T2 restoration 1, T3 4, T4 3, T7 3, T6 response 1 = 16
    expect((await rows({ outcome: 'met', limit: 1 })).total).toBe(16);
    // breached: T2 4, T4 onsite 1, T7 report 1, T5 3 = 9
    expect((await rows({ outcome: 'breached', limit: 1 })).total).toBe(9);
    const running = await rows({ outcome: 'running' });
    expect(running.total).toBe(2);
    expect(running.items.map((r: any) => [r.ticketId, r.metric, r.outcome, r.paused, r.dueAt, r.stoppedAt])).toEqual([
      [T6.id, 'onsiteResolution', 'running', false, iso(T6.at(HOUR)), null],
      [T6.id, 'restoration', 'running', false, iso(T6.at(8 * HOUR)), null],
    ]);
  });

  it('paging: limit and offset walk the same order, total stays 27', async () => {
    const all = (await rows({ limit: 500 })).items.map((r: any) => `${r.ticketId}/${r.metric}`);
    const pages = [];
    for (const offset of [0, 10, 20]) {
      const page = await rows({ limit: 10, offset });
      expect(page.total).toBe(27);
      expect(page.limit).toBe(10);
      expect(page.offset).toBe(offset);
      pages.push(page.items.length);
      expect(page.items.map((r: any) => `${r.ticketId}/${r.metric}`)).toEqual(all.slice(offset, offset + 10));
    }
    expect(pages).toEqual([10, 10, 7]);
    const last = await rows({ limit: 1, offset: 26 });
    expect(last.items.map((r: any) => [r.ticketId, r.metric])).toEqual([[T6.id, 'restoration']]);
    const beyond = await rows({ limit: 5, offset: 27 });
    expect(beyond).toEqual({ total: 27, limit: 5, offset: 27, items: [] });
    // Without limit: 50 by default.
    const defaults = await rows({});
    expect(defaults.limit).toBe(50);
    expect(defaults.offset).toBe(0);
    expect(defaults.items).toHaveLength(27);
  });

  it('format=csv: text/csv, a header line, one line per row of the page', async () => {
    const answer = await app.analyst.get(
      `/v1/views/sla-compliance/tickets?from=${RANGE.from}&to=${RANGE.to}&metric=restoration&format=csv&minPosition=${desk.position}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="sla-compliance-tickets.csv"');
    const lines = csvLines(answer.text);
    expect(lines[0]).toBe('ticketId,metric,outcome,paused,reportedAt,policyId,policyVersion,severity,customerId,engineerId,target,startedAt,dueAt,stoppedAt,elapsedMs,pausedMs');
    // Restoration clocks: T1, T2, T3, T4, T7, T5, T6 = 7 rows.
    expect(lines).toHaveLength(1 + 7);
    expect(lines[1]).toBe(
      `${T1.id},restoration,met,false,${iso(T1.reportedAt)},it-support-plan,1,general,c-alpha,eng-li,PT8H,${iso(T1.reportedAt)},${iso(T1.at(8 * HOUR))},${iso(T1.at(50 * MINUTE))},3000000,0`,
    );
    // T3: 60 min run, 3 h held, due 8 h of running time after the report = T3 + 11 h.
    expect(lines[3]).toBe(
      `${T3.id},restoration,met,false,${iso(T3.reportedAt)},it-support-plan,1,major,c-alpha,eng-li,PT8H,${iso(T3.reportedAt)},${iso(T3.at(11 * HOUR))},${iso(T3.at(240 * MINUTE))},3600000,10800000`,
    );
    // T5: open and past due, no engineer, no stop: empty fields.
    expect(lines[6]).toMatch(
      new RegExp(`^${T5.id},restoration,breached,false,${iso(T5.reportedAt)},it-support-plan,1,general,c-alpha,,PT8H,${iso(T5.reportedAt)},${iso(T5.at(8 * HOUR))},,\\d+,0$`),
    );
    // CSV pages like JSON: limit=3 gives three rows.
    const paged = await askView(app.analyst, `/v1/views/sla-compliance/tickets?from=${RANGE.from}&to=${RANGE.to}&format=csv&limit=3&offset=1`);
    expect(csvLines(paged.text)).toHaveLength(1 + 3);
  });

  it('the aggregate as CSV: one line per group and metric', async () => {
    const answer = await askView(app.analyst, `/v1/views/sla-compliance?from=${RANGE.from}&to=${RANGE.to}&groupBy=month&format=csv&minPosition=${desk.position}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="sla-compliance.csv"');
    const [header, ...lines] = csvLines(answer.text);
    expect(header).toBe('key,metric,total,met,breached,running,compliance,target,average,averageMet');
    // The same figures as groupBy=month above: M2 5 metrics, M1 5, M0 3 = 13 lines; null compliance is empty.
    expect([...lines].sort()).toEqual(
      [
        `${KEY2},response,2,1,1,0,0.5,PT30M,,`,
        `${KEY2},onsiteResolution,2,1,1,0,0.5,PT1H,,`,
        `${KEY2},restoration,2,2,0,0,1,PT8H,,`,
        `${KEY2},seniorArrival,1,0,1,0,0,PT2H,,`,
        `${KEY2},report,2,1,1,0,0.5,PT24H,,`,
        `${KEY1},response,4,3,1,0,0.75,PT30M,,`,
        `${KEY1},onsiteResolution,3,1,2,0,0.3333,PT1H,,`,
        `${KEY1},restoration,4,3,1,0,0.75,PT8H,,`,
        `${KEY1},report,3,2,1,0,0.6667,PT24H,,`,
        `${KEY1},arrival,1,1,0,0,1,PT4H,,`,
        `${KEY0},response,1,1,0,0,1,PT30M,,`,
        `${KEY0},onsiteResolution,1,0,0,1,,PT1H,,`,
        `${KEY0},restoration,1,0,0,1,,PT8H,,`,
      ].sort(),
    );
  });
});
