import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { askView, csvLines, DAY, HOUR, iso, MINUTE, monthStart, nowSecond, runCli, startViewsApp, view, type ViewsApp } from '../support/views-scenario';

/**
 * The service network's views over HTTP: a manufacturer `m` with two dealers (`d-north`,
 * `d-south`, each with a 30 % revisit target), three engineers, a loyal customer (three visits in
 * the last 12 months), a lost one (one visit 14 months ago) and one more. All tickets but the
 * lost customer's are in the previous month M1, under it-support-plan (24x7, response 30 min).
 *
 * - N1 d-north, c-loyal, asset srv (it-system), network: ack 10m (met); e-ann sent 15m, there 45m;
 *   restored 2h; signed off; revisited after a day; rated onsite 5; closed.
 * - N2 d-north, c-loyal, asset srv, network, 6 days later: ack 40m (breached); e-ann sent 50m,
 *   there 90m; e-bo sent 100m, there 180m (two dispatches); restored 5h; rated onsite 3. The same
 *   asset within 30 days of N1: a repeat repair.
 * - S1 d-south, c-other: ack 5m (met); e-cy sent 10m, there 60m; restored 3h; rated onsite 4.
 * - S2 reported to m as a major fault, category power, c-loyal; assigned to d-south at 1m (a
 *   repair order); ack 10m (met); e-cy sent 30m, there 2h; restored 4h.
 * - L0 d-south, c-lost, 14 months before this month: restored 2h, rated onsite 2, closed.
 */

let app: ViewsApp;
let position = '0';
const M0 = monthStart(nowSecond());
const M1 = monthStart(M0, -1);
const MONTH = iso(M1).slice(0, 7);
const RANGE = { from: iso(M1), to: iso(M0) };
const AS_OF = iso(M0);

async function send(path: string, body: Record<string, unknown>, status = 200, role: 'service' | 'admin' = 'service'): Promise<any> {
  const answer = await (role === 'admin' ? app.api.as('admin') : app.service).post(path, body);
  if (answer.status !== status) throw new Error(`POST ${path}: expected ${status}, got ${answer.status}: ${answer.text}`);
  position = answer.body.position ?? position;
  return answer.body;
}

/** A ticket's commands at offsets from its report time. */
async function ticket(reportedAt: number, fields: Record<string, unknown>, steps: Array<[string, number, Record<string, unknown>]>): Promise<string> {
  const { ticketId } = await send('/v1/tickets', { channel: 'phone', kind: 'fault', severity: 'general', summary: 'Network scenario', ...fields, at: iso(reportedAt) }, 201);
  for (const [command, offset, body] of steps) await send(`/v1/tickets/${ticketId}/${command}`, { ...body, at: iso(reportedAt + offset) });
  return ticketId as string;
}

const ack = (offset: number): [string, number, Record<string, unknown>] => ['acknowledge', offset, { by: 'desk' }];
const dispatch = (engineerId: string, offset: number): [string, number, Record<string, unknown>] => ['dispatch', offset, { engineerId, tier: 'onsite' }];
const arrive = (engineerId: string, offset: number): [string, number, Record<string, unknown>] => ['arrive', offset, { engineerId }];
const restore = (offset: number): [string, number, Record<string, unknown>] => ['restore', offset, { by: 'eng', resolution: 'Fixed' }];
const fileReport = (offset: number): [string, number, Record<string, unknown>] => ['report', offset, { faultType: 'hardware', cause: 'Worn part', method: 'Replaced', loss: 'None', by: 'eng' }];
const rate = (score: number, offset: number): [string, number, Record<string, unknown>] => ['satisfaction', offset, { kind: 'onsite', score }];

const get = (path: string, params: Record<string, string | number | undefined> = {}) => view(app.analyst, path, { minPosition: position, ...params });

let ids: Record<string, string>;

beforeAll(async () => {
  app = await startViewsApp();
  const long = iso(M1 - 600 * DAY);
  await send('/v1/units', { unitId: 'm', name: 'Maker', kind: 'manufacturer', at: long }, 201, 'admin');
  await send('/v1/units', { unitId: 'd-north', name: 'North dealer', kind: 'dealer', parentId: 'm', terms: { revisitTargetPercent: 30 }, at: long }, 201, 'admin');
  await send('/v1/units', { unitId: 'd-south', name: 'South dealer', kind: 'dealer', parentId: 'm', terms: { revisitTargetPercent: 30 }, at: long }, 201, 'admin');
  await send('/v1/engineers', { engineerId: 'e-ann', name: 'Ann', unitId: 'd-north', tier: 'onsite', skills: ['network'], at: long }, 201, 'admin');
  await send('/v1/engineers', { engineerId: 'e-bo', name: 'Bo', unitId: 'd-north', tier: 'onsite', skills: [], at: long }, 201, 'admin');
  await send('/v1/engineers', { engineerId: 'e-cy', name: 'Cy', unitId: 'd-south', tier: 'onsite', skills: [], at: long }, 201, 'admin');
  // One assessment before the last 12 months, one training in them.
  await send('/v1/engineers/e-ann/assessments', { course: 'Safety', kind: 'scheduled', at: iso(M0 - 500 * DAY), result: 'passed' }, 200, 'admin');
  await send('/v1/engineers/e-ann/trainings', { course: 'Routers', kind: 'scheduled', at: iso(M1 - 60 * DAY), result: 'passed', score: 92 }, 200, 'admin');
  await send('/v1/assets', { assetId: 'srv', customerId: 'c-loyal', name: 'Server', kind: 'it-system', acceptedAt: iso(M1 - 200 * DAY).slice(0, 10), coverages: [{ category: 'network', years: 5 }] }, 201);

  const L0 = M0 - 425 * DAY;
  const n1 = M1 + 2 * DAY + 8 * HOUR;
  const n2 = n1 + 6 * DAY;
  const s1 = M1 + 4 * DAY + 8 * HOUR;
  const s2 = M1 + 20 * DAY + 8 * HOUR;
  ids = {
    L0: await ticket(L0, { customerId: 'c-lost', serviceUnitId: 'd-south' }, [ack(5 * MINUTE), restore(2 * HOUR), fileReport(150 * MINUTE), rate(2, 3 * HOUR), ['close', 4 * HOUR, { by: 'desk' }]]),
    N1: await ticket(n1, { customerId: 'c-loyal', assetId: 'srv', category: 'network', serviceUnitId: 'd-north' }, [
      ack(10 * MINUTE), dispatch('e-ann', 15 * MINUTE), arrive('e-ann', 45 * MINUTE), restore(2 * HOUR),
      ['sign-off', 130 * MINUTE, { signedBy: 'Ms Loyal', signatureSha256: 'a'.repeat(64), signatureRef: 'scan-n1' }],
      fileReport(140 * MINUTE), rate(5, 3 * HOUR), ['revisit', DAY, { by: 'desk', outcome: 'No recurrence' }], ['close', DAY + HOUR, { by: 'desk' }],
    ]),
    N2: await ticket(n2, { customerId: 'c-loyal', assetId: 'srv', category: 'network', serviceUnitId: 'd-north' }, [
      ack(40 * MINUTE), dispatch('e-ann', 50 * MINUTE), arrive('e-ann', 90 * MINUTE), dispatch('e-bo', 100 * MINUTE), arrive('e-bo', 180 * MINUTE),
      restore(5 * HOUR), rate(3, 6 * HOUR),
    ]),
    S1: await ticket(s1, { customerId: 'c-other', serviceUnitId: 'd-south' }, [ack(5 * MINUTE), dispatch('e-cy', 10 * MINUTE), arrive('e-cy', HOUR), restore(3 * HOUR), rate(4, 4 * HOUR)]),
    S2: await ticket(s2, { customerId: 'c-loyal', category: 'power', severity: 'major', serviceUnitId: 'm' }, [
      ['assign', MINUTE, { serviceUnitId: 'd-south', by: 'maker-desk', reason: 'Repair order to the dealer' }],
      ack(10 * MINUTE), dispatch('e-cy', 30 * MINUTE), arrive('e-cy', 2 * HOUR), restore(4 * HOUR),
    ]),
  };
}, 120_000);

afterAll(async () => {
  await app?.stop();
});

const response = (g: any) => ({ key: g.key, total: g.metrics.response?.total, met: g.metrics.response?.met, breached: g.metrics.response?.breached, compliance: g.metrics.response?.compliance });

describe('compliance and satisfaction by the network', () => {
  it("gives each dealer's compliance, and the manufacturer's roll-up of both", async () => {
    const byUnit = await get('/v1/views/sla-compliance', { ...RANGE, groupBy: 'serviceUnit', metric: 'response' });
    // S2 counts for d-south, which holds it now.
    expect(byUnit.groups.map(response)).toEqual([
      { key: 'd-north', total: 2, met: 1, breached: 1, compliance: 0.5 }, // N1 10m, N2 40m
      { key: 'd-south', total: 2, met: 2, breached: 0, compliance: 1 }, //  S1 5m, S2 10m
    ]);
    const rolled = await get('/v1/views/sla-compliance', { ...RANGE, groupBy: 'serviceUnit', rollUp: 'true', metric: 'response' });
    expect(rolled.groups.map(response)).toEqual([
      { key: 'd-north', total: 2, met: 1, breached: 1, compliance: 0.5 },
      { key: 'd-south', total: 2, met: 2, breached: 0, compliance: 1 },
      { key: 'm', total: 4, met: 3, breached: 1, compliance: 0.75 },
    ]);
    const manufacturer = await get('/v1/views/sla-compliance', { ...RANGE, serviceUnit: 'm', rollUp: 'true', metric: 'response' });
    expect(manufacturer.groups.map(response)).toEqual([{ key: 'all', total: 4, met: 3, breached: 1, compliance: 0.75 }]);
    const rows = await get('/v1/views/sla-compliance/tickets', { ...RANGE, serviceUnit: 'd-north', metric: 'response', assetKind: 'it-system' });
    expect(rows.items.map((r: any) => [r.ticketId, r.outcome])).toEqual([
      [ids.N1, 'met'],
      [ids.N2, 'breached'],
    ]);
    const byEngineer = await get('/v1/views/satisfaction', { ...RANGE, groupBy: 'engineer', customer: 'c-loyal' });
    // First engineer dispatched: N1 and N2 e-ann (5, 3), S2 e-cy (unrated).
    expect(byEngineer.groups.map((g: any) => [g.key, g.kinds.onsite.rated, g.kinds.onsite.satisfied])).toEqual([
      ['e-ann', 2, 1],
      ['e-cy', 0, 0],
    ]);
    const byKind = await get('/v1/views/satisfaction', { ...RANGE, groupBy: 'assetKind' });
    expect(byKind.groups.map((g: any) => [g.key, g.kinds.onsite.rated])).toEqual([
      ['(none)', 1], // S1 4 (S2 unrated)
      ['it-system', 2],
    ]);
  });

  it('refuses rollUp without a unit to roll up, and an unknown groupBy', async () => {
    const noUnit = await askView(app.analyst, `/v1/views/sla-compliance?rollUp=true`);
    expect(noUnit.status).toBe(400);
    expect(noUnit.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await askView(app.analyst, `/v1/views/satisfaction?groupBy=unit`)).status).toBe(400);
  });
});

describe('GET /v1/reports/service-quality', () => {
  it("gives each dealer's monthly form: d-north meets the 30 % revisit target, d-south does not", async () => {
    const north = await get('/v1/reports/service-quality', { unit: 'd-north', month: MONTH });
    expect(north).toMatchObject({
      unitId: 'd-north',
      kind: 'dealer',
      month: MONTH,
      repairs: 2,
      clocks: { response: { total: 2, met: 1, breached: 1, running: 0, compliance: 0.5 } },
      revisits: { restored: 2, revisited: 1, rate: 0.5, targetPercent: 30, met: true }, // 50 % >= 30 %
      satisfaction: { onsite: { rated: 2, satisfied: 1, rate: 0.5, met: false } },
      repeatRepairs: 1, // N2: the same asset as N1, six days later
      majorFaults: { total: 0, reported: 0 },
      signedOff: { signed: 1, share: 0.5 },
    });
    // Both on the asset, in its 5-year network coverage, not assessed yet: no charge.
    expect(north.warranty).toEqual({ inWarranty: 2, outOfWarranty: 0, unknown: 0, charges: 0 });
    const south = await get('/v1/reports/service-quality', { unit: 'd-south', month: MONTH });
    expect(south).toMatchObject({
      repairs: 2,
      revisits: { restored: 2, revisited: 0, rate: 0, targetPercent: 30, met: false }, // 0 % < 30 %
      repeatRepairs: 0,
      majorFaults: { total: 1, reported: 1 }, // S2, acknowledged
      signedOff: { signed: 0, share: 0 },
      warranty: { inWarranty: 0, outOfWarranty: 0, unknown: 2, charges: 0 },
    });
    const all = await get('/v1/reports/service-quality', { month: MONTH });
    expect(all.units.map((u: any) => [u.unitId, u.repairs, u.revisits.rate, u.revisits.met])).toEqual([
      ['d-north', 2, 0.5, true],
      ['d-south', 2, 0, false],
      ['m', 4, 0.25, null], // no target of its own
    ]);
    expect((await askView(app.analyst, `/v1/reports/service-quality?unit=nowhere&month=${MONTH}`)).status).toBe(404);
    expect((await askView(app.analyst, `/v1/reports/service-quality?month=2026-13`)).status).toBe(400);
  });

  it('as CSV: one line per unit', async () => {
    const answer = await askView(app.analyst, `/v1/reports/service-quality?month=${MONTH}&format=csv&minPosition=${position}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...lines] = csvLines(answer.text);
    expect(header.split(',').slice(0, 5)).toEqual(['unitId', 'name', 'kind', 'month', 'repairs']);
    expect(lines.map((line) => line.split(',').slice(0, 5))).toEqual([
      ['d-north', 'North dealer', 'dealer', MONTH, '2'],
      ['d-south', 'South dealer', 'dealer', MONTH, '2'],
      ['m', 'Maker', 'manufacturer', MONTH, '4'],
    ]);
    const at = (name: string) => header.split(',').indexOf(name);
    expect(lines.map((line) => line.split(',')[at('revisitTargetMet')])).toEqual(['true', 'false', '']);
  });
});

describe('GET /v1/views/engineers', () => {
  it('gives each engineer restorations, arrival times, a first-time-fix rate and the trainings of the last 12 months', async () => {
    const body = await get('/v1/views/engineers', { ...RANGE, asOf: AS_OF });
    const e = Object.fromEntries(body.items.map((row: any) => [row.engineerId, row]));
    // e-ann: N1 fixed on its only dispatch, N2 needed a second engineer: 1 / 2. Arrivals 45m and 90m.
    expect(e['e-ann']).toMatchObject({
      unitId: 'd-north', openDispatches: 0, restored: 2, firstTimeFixes: 1, firstTimeFixRate: 0.5,
      medianReportToArrivalMs: 67.5 * MINUTE, p90ReportToArrivalMs: 90 * MINUTE,
      satisfaction: { rated: 2, satisfied: 1, rate: 0.5, averageScore: 4 }, trainings: 1, assessments: 0,
    });
    expect(e['e-bo']).toMatchObject({ restored: 1, firstTimeFixes: 0, firstTimeFixRate: 0, medianReportToArrivalMs: 180 * MINUTE });
    // e-cy: S1 (60m) and S2 (2h), each fixed on one dispatch.
    expect(e['e-cy']).toMatchObject({ unitId: 'd-south', restored: 2, firstTimeFixRate: 1, medianReportToArrivalMs: 90 * MINUTE, p90ReportToArrivalMs: 120 * MINUTE });
    const csv = await askView(app.analyst, `/v1/views/engineers?from=${RANGE.from}&to=${RANGE.to}&asOf=${AS_OF}&format=csv&minPosition=${position}`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...lines] = csvLines(csv.text);
    const at = (name: string) => header.split(',').indexOf(name);
    expect(lines.map((line) => [line.split(',')[0], line.split(',')[at('firstTimeFixRate')]])).toEqual([
      ['e-ann', '0.5'],
      ['e-bo', '0'],
      ['e-cy', '1'],
    ]);
  });
});

describe('GET /v1/views/customers', () => {
  it('lists the loyal customer (three visits in 12 months) and the lost one with its last ticket', async () => {
    const loyal = await get('/v1/views/customers', { segment: 'loyal', asOf: AS_OF });
    expect(loyal).toMatchObject({ segment: 'loyal', loyalVisits: 3, lostAfterMonths: 12 });
    // N1, N2, S2; ratings 5 and 3.
    expect(loyal.items).toEqual([{ customerId: 'c-loyal', visits: 3, lastVisit: iso(M1 + 20 * DAY + 8 * HOUR), averageSatisfaction: 4, segment: 'loyal', lastTicket: null }]);
    const lost = await get('/v1/views/customers', { segment: 'lost', asOf: AS_OF });
    expect(lost.items).toEqual([
      { customerId: 'c-lost', visits: 0, lastVisit: iso(M0 - 425 * DAY), averageSatisfaction: 2, segment: 'lost', lastTicket: { ticketId: ids.L0, outcome: 'closed', rating: 2 } },
    ]);
    const all = await get('/v1/views/customers', { asOf: AS_OF });
    expect(all.items.map((c: any) => [c.customerId, c.segment])).toEqual([
      ['c-lost', 'lost'],
      ['c-loyal', 'loyal'],
      ['c-other', 'active'],
    ]);
    const csv = await askView(app.analyst, `/v1/views/customers?segment=lost&asOf=${AS_OF}&format=csv&minPosition=${position}`);
    expect(csvLines(csv.text)).toEqual([
      'customerId,visits,lastVisit,averageSatisfaction,segment,lastTicketId,lastTicketOutcome,lastTicketRating',
      `c-lost,0,${iso(M0 - 425 * DAY)},2,lost,${ids.L0},closed,2`,
    ]);
    expect((await askView(app.analyst, '/v1/views/customers?segment=gone')).status).toBe(400);
  });

  it('is for analysts: the service desk is refused', async () => {
    for (const path of ['/v1/views/customers', '/v1/views/engineers', `/v1/reports/service-quality?month=${MONTH}`]) {
      expect({ path, status: (await app.service.get(path)).status }).toEqual({ path, status: 403 });
    }
  });
});

describe('rebuilding the service network', () => {
  it('finds no difference, and the app answers the same after it', async () => {
    const snapshot = async () => ({
      rolled: await get('/v1/views/sla-compliance', { ...RANGE, groupBy: 'serviceUnit', rollUp: 'true' }),
      report: await get('/v1/reports/service-quality', { month: MONTH }),
      engineers: await get('/v1/views/engineers', { ...RANGE, asOf: AS_OF }),
      customers: await get('/v1/views/customers', { asOf: AS_OF }),
    });
    const before = await snapshot();
    await app.close();
    const result = await runCli(['rebuild', 'service-network', '--compare', '--json'], { DATA_DIR: app.dataDir });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toMatchObject({ projection: 'service-network', differences: 0 });
    await app.start();
    expect(await snapshot()).toEqual(before);
  }, 120_000);
});
