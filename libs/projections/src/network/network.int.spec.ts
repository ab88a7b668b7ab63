import Database from 'better-sqlite3';
import type { RecordedEvent } from '@app/event-store';
import { IT_PLAN } from '@app/ticketing/sla/testing/clock-spec';
import { tableNamesFor, type Projection, type TableNames } from '../projection';
import { querySatisfaction } from '../satisfaction/satisfaction.query';
import { satisfactionProjection } from '../satisfaction/satisfaction.projection';
import { slaComplianceProjection } from '../sla-compliance/sla-compliance.projection';
import { queryClockRows, queryCompliance } from '../sla-compliance/sla-compliance.query';
import type { ViewFilter } from '../views/view-query';
import { networkProjection } from './network.projection';
import { listUnitIds, networkTables, queryCustomers, queryEngineers, queryServiceQuality, rollUpByUnit } from './network.query';

const CATALOG = { defaultPolicyId: IT_PLAN.id, policies: [IT_PLAN] };
const TARGETS = { consultation: 0.98, onsite: 0.95, product: 0.95 };
const MIN = 60_000;
/** The events the ticket model knows today; the network's own ticket events go to the network view only. */
const NETWORK_ONLY = new Set(['TicketAssigned', 'RepairOrderSignedOff']);

/**
 * The scenario of the issue, as events: a manufacturer M with dealers D1 (and its branch B1) and
 * D2, three engineers, a loyal customer (three visits in 12 months), a lost one (one visit 14
 * months before) and one more. Every figure the tests expect is worked out by hand in comments.
 */
function scenario(): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  const revisions = new Map<string, number>();
  const add = (stream: string, type: string, data: Record<string, unknown>) => {
    const revision = revisions.get(stream) ?? 0;
    revisions.set(stream, revision + 1);
    events.push({ id: `${stream}-${revision}`, stream, revision, position: BigInt(events.length + 1) as never, type, data, metadata: {}, recordedAt: '2026-12-03T00:00:00.000Z' });
  };
  const at = (start: string, minutes: number) => new Date(Date.parse(start) + minutes * MIN).toISOString();
  const unit = (unitId: string, kind: string, parentId?: string, terms?: object) =>
    add(`unit-${unitId}`, 'ServiceUnitRegistered', { unitId, name: `Unit ${unitId}`, kind, parentId, terms, at: '2025-01-01T00:00:00.000Z' });
  unit('M', 'manufacturer');
  unit('D1', 'dealer', 'M', { revisitTargetPercent: 30 });
  unit('D2', 'dealer', 'M', { revisitTargetPercent: 10 });
  add('unit-D2', 'ServiceUnitTermsChanged', { unitId: 'D2', terms: { revisitTargetPercent: 30 }, at: '2025-02-01T00:00:00.000Z' });
  unit('B1', 'branch', 'D1');
  const engineer = (engineerId: string, unitId: string, tier: string) =>
    add(`engineer-${engineerId}`, 'EngineerRegistered', { engineerId, name: `Engineer ${engineerId}`, unitId, tier, skills: [], at: '2025-01-02T00:00:00.000Z' });
  engineer('e1', 'D1', 'onsite');
  engineer('e2', 'B1', 'onsite');
  engineer('e3', 'D1', 'onsite');
  add('engineer-e3', 'EngineerMoved', { engineerId: 'e3', fromUnitId: 'D1', toUnitId: 'D2', at: '2025-03-01T00:00:00.000Z' });
  add('engineer-e1', 'EngineerTrainingRecorded', { engineerId: 'e1', course: 'Boards', kind: 'scheduled', at: '2026-06-01T00:00:00.000Z', result: 'passed', score: 90 });
  add('engineer-e1', 'EngineerAssessmentRecorded', { engineerId: 'e1', course: 'Safety', kind: 'scheduled', at: '2025-06-01T00:00:00.000Z', result: 'passed' });
  add('engineer-e3', 'EngineerAssessmentRecorded', { engineerId: 'e3', course: 'Safety', kind: 'unscheduled', at: '2026-09-01T00:00:00.000Z', result: 'failed', score: 40 });
  add('asset-a1', 'AssetRegistered', { assetId: 'a1', customerId: 'c-loyal', name: 'Server', kind: 'it-system', acceptedAt: '2025-01-01' });
  add('asset-a2', 'AssetRegistered', { assetId: 'a2', customerId: 'c-lost', name: 'Printer', kind: 'dealer-product', acceptedAt: '2025-01-01' });

  const ticket = (id: string, reportedAt: string, data: Record<string, unknown>) =>
    add(`ticket-${id}`, 'TicketReported', {
      ticketId: id, channel: 'phone', kind: 'fault', severity: 'general', summary: 'x', policyId: IT_PLAN.id, policyVersion: IT_PLAN.version, at: reportedAt, ...data,
    });
  const step = (id: string, type: string, data: Record<string, unknown>) => add(`ticket-${id}`, type, data);

  // T0: the lost customer's only visit, 14 months before 2026-12-01: closed, rated 2.
  const t0 = '2025-10-01T00:00:00.000Z';
  ticket('T0', t0, { customerId: 'c-lost', assetId: 'a2', serviceUnitId: 'D2' });
  step('T0', 'Restored', { by: 'x', resolution: 'x', at: at(t0, 120) });
  step('T0', 'SatisfactionRated', { kind: 'onsite', score: 2, at: at(t0, 200) });
  step('T0', 'TicketClosed', { by: 'x', at: at(t0, 300) });

  // T1 (D1): answered in 10 min (met); e1 arrives at 45 min; restored once, revisited, signed off, rated 5.
  const t1 = '2026-11-02T00:00:00.000Z';
  ticket('T1', t1, { customerId: 'c-loyal', assetId: 'a1', category: 'network', serviceUnitId: 'D1' });
  step('T1', 'ResponseAcknowledged', { by: 'x', at: at(t1, 10) });
  step('T1', 'EngineerDispatched', { engineerId: 'e1', tier: 'onsite', escalation: false, at: at(t1, 15) });
  step('T1', 'EngineerArrived', { engineerId: 'e1', tier: 'onsite', at: at(t1, 45) });
  step('T1', 'Restored', { by: 'e1', resolution: 'x', at: at(t1, 120) });
  step('T1', 'RevisitCompleted', { by: 'e1', outcome: 'fine', at: at(t1, 2000) });
  step('T1', 'RepairOrderSignedOff', { signedBy: 'Ms Li', at: at(t1, 130) });
  step('T1', 'SatisfactionRated', { kind: 'onsite', score: 5, at: at(t1, 200) });

  // T2 (B1, under D1): answered at 40 min (breached); e1 arrives at 90 min, then e2 is sent and
  // arrives at 180 min: two dispatches, so no first-time fix. Same asset as T1 eight days later: a repeat repair. Rated 3.
  const t2 = '2026-11-10T00:00:00.000Z';
  ticket('T2', t2, { customerId: 'c-loyal', assetId: 'a1', category: 'network', serviceUnitId: 'B1' });
  step('T2', 'ResponseAcknowledged', { by: 'x', at: at(t2, 40) });
  step('T2', 'EngineerDispatched', { engineerId: 'e1', tier: 'onsite', escalation: false, at: at(t2, 50) });
  step('T2', 'EngineerArrived', { engineerId: 'e1', tier: 'onsite', at: at(t2, 90) });
  step('T2', 'EngineerDispatched', { engineerId: 'e2', tier: 'onsite', escalation: false, at: at(t2, 100) });
  step('T2', 'EngineerArrived', { engineerId: 'e2', tier: 'onsite', at: at(t2, 180) });
  step('T2', 'Restored', { by: 'e2', resolution: 'x', at: at(t2, 300) });
  step('T2', 'SatisfactionRated', { kind: 'onsite', score: 3, at: at(t2, 400) });

  // T3 (D2): answered in 5 min; e3 arrives at 60 min; restored; rated 4.
  const t3 = '2026-11-05T00:00:00.000Z';
  ticket('T3', t3, { customerId: 'c-other', serviceUnitId: 'D2' });
  step('T3', 'ResponseAcknowledged', { by: 'x', at: at(t3, 5) });
  step('T3', 'EngineerDispatched', { engineerId: 'e3', tier: 'onsite', escalation: false, at: at(t3, 10) });
  step('T3', 'EngineerArrived', { engineerId: 'e3', tier: 'onsite', at: at(t3, 60) });
  step('T3', 'Restored', { by: 'e3', resolution: 'x', at: at(t3, 180) });
  step('T3', 'SatisfactionRated', { kind: 'onsite', score: 4, at: at(t3, 300) });

  // T4: reported to the manufacturer as a major fault, which hands it to D2 (a repair order);
  // answered in 10 min (the major target is 15 min); e3 arrives at 120 min; restored. Another category: not a repeat of T1.
  const t4 = '2026-11-20T00:00:00.000Z';
  ticket('T4', t4, { customerId: 'c-loyal', category: 'power', severity: 'major', serviceUnitId: 'M' });
  step('T4', 'TicketAssigned', { serviceUnitId: 'D2', fromUnitId: 'M', by: 'm-desk', reason: 'repair order', at: at(t4, 1) });
  step('T4', 'ResponseAcknowledged', { by: 'x', at: at(t4, 10) });
  step('T4', 'EngineerDispatched', { engineerId: 'e3', tier: 'onsite', escalation: false, at: at(t4, 30) });
  step('T4', 'EngineerArrived', { engineerId: 'e3', tier: 'onsite', at: at(t4, 120) });
  step('T4', 'Restored', { by: 'e3', resolution: 'x', at: at(t4, 240) });

  // T5 (D2), in December: e3 is on the way now.
  const t5 = '2026-12-02T00:00:00.000Z';
  ticket('T5', t5, { customerId: 'c-other', serviceUnitId: 'D2' });
  step('T5', 'EngineerDispatched', { engineerId: 'e3', tier: 'onsite', escalation: false, at: at(t5, 10) });
  return events;
}

const NOW = '2026-12-03T00:00:00.000Z';
const AS_OF = '2026-12-01T00:00:00.000Z';
const NOVEMBER = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

interface Built {
  db: Database.Database;
  net: TableNames;
  sla: TableNames;
  sat: TableNames;
}

/** The three projections' tables in one database, fed `events` in batches of `batch`. */
function build(events: readonly RecordedEvent[], batch: number): Built {
  const db = new Database(':memory:');
  const built = { db, net: tableNamesFor(1), sla: tableNamesFor(2), sat: tableNamesFor(3) };
  const feeds: Array<[Projection, TableNames, (e: RecordedEvent) => boolean]> = [
    [networkProjection, built.net, (e) => networkProjection.streamPrefixes.some((p) => e.stream.startsWith(p))],
    [slaComplianceProjection(CATALOG), built.sla, (e) => e.stream.startsWith('ticket-') && !NETWORK_ONLY.has(e.type)],
    [satisfactionProjection, built.sat, (e) => e.stream.startsWith('ticket-') && !NETWORK_ONLY.has(e.type)],
  ];
  for (const [projection, t, wanted] of feeds) {
    projection.createSchema(db, t);
    const mine = events.filter(wanted);
    for (let i = 0; i < mine.length; i += batch) db.transaction(() => projection.apply(db, mine.slice(i, i + batch), t))();
  }
  return built;
}

describe('the service network views over the projections', () => {
  let b: Built;
  beforeAll(() => {
    b = build(scenario(), 1000);
  });
  afterAll(() => b.db.close());

  const filter = (extra: Partial<ViewFilter & { metric: string }>): ViewFilter & { metric?: string } => ({ ...NOVEMBER, network: networkTables(b.net), ...extra });

  it('groups compliance by the unit a ticket has now, and rolls a unit up over all its descendants', () => {
    const byUnit = queryCompliance(b.db, b.sla, filter({ groupBy: 'serviceUnit', metric: 'response' }), NOW);
    // T2 at B1 breached; T1 at D1 met; T3 and T4 (assigned from M) at D2 met.
    expect(byUnit.map((g) => [g.key, g.metrics.response])).toEqual([
      ['B1', expect.objectContaining({ total: 1, met: 0, breached: 1, compliance: 0 })],
      ['D1', expect.objectContaining({ total: 1, met: 1, breached: 0, compliance: 1 })],
      ['D2', expect.objectContaining({ total: 2, met: 2, breached: 0, compliance: 1 })],
    ]);
    const units = listUnitIds(b.db, b.net);
    const rolled = rollUpByUnit(units, filter({ groupBy: 'serviceUnit', rollUp: true, metric: 'response' }), (f) => queryCompliance(b.db, b.sla, { ...f, metric: 'response' }, NOW), (g) => Object.keys(g.metrics).length === 0);
    // M: T1 met, T2 breached, T3 and T4 met: 3 / 4. D1 with B1: 1 / 2.
    expect(rolled.map((g) => [g.key, g.metrics.response])).toEqual([
      ['B1', expect.objectContaining({ met: 0, breached: 1, compliance: 0 })],
      ['D1', expect.objectContaining({ met: 1, breached: 1, compliance: 0.5 })],
      ['D2', expect.objectContaining({ met: 2, breached: 0, compliance: 1 })],
      ['M', expect.objectContaining({ total: 4, met: 3, breached: 1, compliance: 0.75 })],
    ]);
    // A unit filter without roll-up is the unit alone; with it, the subtree.
    expect(queryCompliance(b.db, b.sla, filter({ serviceUnitId: 'D1', metric: 'response' }), NOW)[0].metrics.response).toEqual(expect.objectContaining({ total: 1, met: 1 }));
    expect(queryCompliance(b.db, b.sla, filter({ serviceUnitId: 'D1', rollUp: true, metric: 'response' }), NOW)[0].metrics.response).toEqual(expect.objectContaining({ total: 2, met: 1, breached: 1 }));
    expect(queryCompliance(b.db, b.sla, filter({ serviceUnitId: 'M', metric: 'response' }), NOW)).toEqual([{ key: 'all', metrics: {} }]);
  });

  it('filters and groups by asset kind, engineer and customer', () => {
    const kinds = querySatisfaction(b.db, b.sat, filter({ groupBy: 'assetKind' }), TARGETS).groups;
    // T1 (5) and T2 (3) are on the it-system; T3 (4) and T4 (unrated) have no asset.
    expect(kinds.map((g) => [g.key, g.kinds.onsite.rated, g.kinds.onsite.satisfied])).toEqual([
      ['(none)', 1, 1],
      ['it-system', 2, 1],
    ]);
    const rows = queryClockRows(b.db, b.sla, filter({ assetKind: 'it-system', metric: 'response' }), { limit: 10, offset: 0 }, NOW, CATALOG);
    expect(rows.items.map((r) => r.ticketId)).toEqual(['T1', 'T2']);
    const e3 = queryCompliance(b.db, b.sla, filter({ engineerId: 'e3', serviceUnitId: 'D2', metric: 'response' }), NOW);
    expect(e3[0].metrics.response).toEqual(expect.objectContaining({ total: 2, met: 2 }));
    const customers = querySatisfaction(b.db, b.sat, filter({ groupBy: 'customer', serviceUnitId: 'M', rollUp: true }), TARGETS).groups;
    expect(customers.map((g) => [g.key, g.kinds.onsite.rated])).toEqual([
      ['c-loyal', 2],
      ['c-other', 1],
    ]);
  });

  it('gives each engineer open dispatches, restorations, arrival times, first-time fixes, satisfaction and the last 12 months of training', () => {
    const engineers = queryEngineers(b.db, b.net, NOVEMBER, AS_OF);
    const e = Object.fromEntries(engineers.map((row) => [row.engineerId, row]));
    // e1: arrivals 45 and 90 min: median 67.5 min, p90 (nearest rank 2 of 2) 90 min; T1 fixed on
    // one dispatch, T2 took two: 1 / 2; ratings 5 and 3: one satisfied, mean 4; the 2026-06
    // training counts, the 2025-06 assessment is older than 12 months.
    expect(e.e1).toEqual(
      expect.objectContaining({
        unitId: 'D1', openDispatches: 0, restored: 2, medianReportToArrivalMs: 67.5 * MIN, p90ReportToArrivalMs: 90 * MIN,
        firstTimeFixes: 1, firstTimeFixRate: 0.5, satisfaction: { rated: 2, satisfied: 1, rate: 0.5, averageScore: 4 }, trainings: 1, assessments: 0,
      }),
    );
    // e2: T2 only, arrived at 180 min, second dispatch of the ticket.
    expect(e.e2).toEqual(expect.objectContaining({ unitId: 'B1', restored: 1, medianReportToArrivalMs: 180 * MIN, firstTimeFixRate: 0 }));
    // e3 (moved to D2): T3 at 60 and T4 at 120 min, both fixed on the first dispatch; T5 is open now.
    expect(e.e3).toEqual(
      expect.objectContaining({
        unitId: 'D2', openDispatches: 1, restored: 2, medianReportToArrivalMs: 90 * MIN, p90ReportToArrivalMs: 120 * MIN,
        firstTimeFixes: 2, firstTimeFixRate: 1, trainings: 0, assessments: 1,
      }),
    );
    expect(queryEngineers(b.db, b.net, { ...NOVEMBER, serviceUnitId: 'D1' }, AS_OF).map((row) => row.engineerId)).toEqual(['e1', 'e2']);
  });

  it('segments customers: loyal by visits in 12 months, lost after months without one, with the last ticket of the lost', () => {
    const segments = { loyalVisits: 3, lostAfterMonths: 12 };
    const all = queryCustomers(b.db, b.net, segments, 'all', AS_OF);
    expect(all).toEqual([
      // T1, T2 and T4; ratings 5 and 3.
      { customerId: 'c-loyal', visits: 3, lastVisit: '2026-11-20T00:00:00.000Z', averageSatisfaction: 4, segment: 'loyal', lastTicket: null },
      // T0 only, 14 months before: closed, rated 2.
      { customerId: 'c-lost', visits: 0, lastVisit: '2025-10-01T00:00:00.000Z', averageSatisfaction: 2, segment: 'lost', lastTicket: { ticketId: 'T0', outcome: 'closed', rating: 2 } },
      // T3 (T5 is after the as-of instant).
      { customerId: 'c-other', visits: 1, lastVisit: '2026-11-05T00:00:00.000Z', averageSatisfaction: 4, segment: 'active', lastTicket: null },
    ].sort((x, y) => x.customerId.localeCompare(y.customerId)));
    expect(queryCustomers(b.db, b.net, segments, 'loyal', AS_OF).map((c) => c.customerId)).toEqual(['c-loyal']);
    expect(queryCustomers(b.db, b.net, segments, 'lost', AS_OF).map((c) => c.customerId)).toEqual(['c-lost']);
    // Four visits make no one loyal; 15 months make no one lost.
    expect(queryCustomers(b.db, b.net, { loyalVisits: 4, lostAfterMonths: 15 }, 'all', AS_OF).map((c) => c.segment)).toEqual(['active', 'active', 'active']);
  });

  it("writes each dealer's monthly service-quality form: revisits against the 30 % target, repeats, sign-offs, major faults", () => {
    const sources = { network: b.net, compliance: b.sla, satisfaction: b.sat };
    const d1 = queryServiceQuality(b.db, sources, 'D1', '2026-11', NOW, TARGETS)!;
    // D1 with B1: T1 and T2; one of the two restored was revisited: 50 % >= 30 %.
    expect(d1).toEqual(
      expect.objectContaining({
        repairs: 2,
        revisits: { restored: 2, revisited: 1, rate: 0.5, targetPercent: 30, met: true },
        repeatRepairs: 1,
        majorFaults: { total: 0, reported: 0 },
        signedOff: { signed: 1, share: 0.5 },
        warranty: { inWarranty: 0, outOfWarranty: 0, unknown: 2, charges: 0 },
      }),
    );
    expect(d1.clocks.response).toEqual({ total: 2, met: 1, breached: 1, running: 0, compliance: 0.5 });
    expect(d1.satisfaction.onsite).toEqual(expect.objectContaining({ rated: 2, satisfied: 1, rate: 0.5, met: false }));
    // D2: T3 and T4, neither revisited: 0 % < 30 % (the terms changed from 10 to 30); T4 was major and answered.
    const d2 = queryServiceQuality(b.db, sources, 'D2', '2026-11', NOW, TARGETS)!;
    expect(d2).toEqual(
      expect.objectContaining({
        repairs: 2,
        revisits: { restored: 2, revisited: 0, rate: 0, targetPercent: 30, met: false },
        repeatRepairs: 0,
        majorFaults: { total: 1, reported: 1 },
        signedOff: { signed: 0, share: 0 },
      }),
    );
    // The manufacturer's form sums both dealers; it has no revisit target of its own.
    const m = queryServiceQuality(b.db, sources, 'M', '2026-11', NOW, TARGETS)!;
    expect(m).toEqual(expect.objectContaining({ repairs: 4, repeatRepairs: 1, revisits: { restored: 4, revisited: 1, rate: 0.25, targetPercent: null, met: null } }));
    expect(queryServiceQuality(b.db, sources, 'nobody', '2026-11', NOW, TARGETS)).toBeUndefined();
  });

  it('builds the same network tables whether it gets the events one by one or all at once', () => {
    const events = scenario();
    const one = build(events, 1);
    const all = build(events, 1000);
    try {
      for (const table of networkProjection.tables) {
        const dump = (x: Built) => x.db.prepare(`SELECT * FROM ${x.net(table)}`).all().map((row) => JSON.stringify(row)).sort();
        expect(dump(one)).toEqual(dump(all));
        expect(dump(all).length).toBeGreaterThan(0);
      }
    } finally {
      one.db.close();
      all.db.close();
    }
  });
});
