import type Database from 'better-sqlite3';
import type { TableNames } from '../projection';
import { queryCompliance, type MetricFigures } from '../sla-compliance/sla-compliance.query';
import { querySatisfaction, SATISFACTION_KINDS, SATISFIED_FROM, type SatisfactionGroup, type SatisfactionTargets } from '../satisfaction/satisfaction.query';
import { ratio, type NetworkTables, type ViewFilter } from '../views/view-query';

const MONTH_MS = 30 * 86_400_000;

/** The network tables a view filter needs, from the service network's live generation. */
export function networkTables(t: TableNames): NetworkTables {
  return { tickets: t('net_tickets'), paths: t('net_unit_paths') };
}

/** The registered units (those under `under` and itself when given), ordered by id. */
export function listUnitIds(db: Database.Database, t: TableNames, under?: string): string[] {
  const rows = under === undefined
    ? db.prepare(`SELECT unit_id FROM ${t('net_units')} ORDER BY unit_id`).all()
    : db.prepare(`SELECT u.unit_id FROM ${t('net_units')} u JOIN ${t('net_unit_paths')} p ON p.unit_id = u.unit_id AND p.ancestor_id = ? ORDER BY u.unit_id`).all(under);
  return (rows as Array<{ unit_id: string }>).map((r) => r.unit_id);
}

/**
 * `groupBy=serviceUnit&rollUp=true`: one group per unit of `units` holding its own tickets and
 * those of every unit under it, so a manufacturer's group sums its dealers'. A ticket counts in its
 * unit's group and in each ancestor's. Units with nothing in the period are left out.
 */
export function rollUpByUnit<G extends { key: string }>(
  units: readonly string[],
  filter: ViewFilter,
  run: (filter: ViewFilter) => G[],
  empty: (group: G) => boolean,
): G[] {
  const groups: G[] = [];
  for (const unitId of units) {
    const [group] = run({ ...filter, groupBy: undefined, serviceUnitId: unitId, rollUp: true });
    if (group && !empty(group)) groups.push({ ...group, key: unitId });
  }
  return groups;
}

/** The n-th percentile (nearest rank) of sorted numbers; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** The median: the middle value, or the mean of the two middle values. */
export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const twelveMonthsBefore = (asOf: string) => {
  const d = new Date(asOf);
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  return d.toISOString();
};
const monthsBefore = (asOf: string, months: number) => {
  const d = new Date(asOf);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.toISOString();
};

export interface EngineerRow {
  readonly engineerId: string;
  readonly name: string;
  readonly unitId: string | null;
  readonly tier: string;
  readonly active: boolean;
  /** Dispatches of this engineer on tickets neither restored nor closed now. */
  readonly openDispatches: number;
  /** Tickets the engineer was dispatched to that were restored in the period. */
  readonly restored: number;
  /** Report to the engineer's first arrival on the ticket, over tickets reported in the period. */
  readonly medianReportToArrivalMs: number | null;
  readonly p90ReportToArrivalMs: number | null;
  /** Of `restored`, those restored after a single dispatch in all. */
  readonly firstTimeFixes: number;
  readonly firstTimeFixRate: number | null;
  /** Ratings of the tickets the engineer was dispatched to, reported in the period: all kinds. */
  readonly satisfaction: { readonly rated: number; readonly satisfied: number; readonly rate: number | null; readonly averageScore: number | null };
  readonly trainings: number;
  readonly assessments: number;
  /** The trainings and assessments of the 12 months before `asOf`, oldest first. */
  readonly records: Array<{ record: string; course: string; kind: string; at: string; result: string; score: number | null }>;
}

/** Per engineer: load, speed, first-time fixes, satisfaction and training of the last 12 months. */
export function queryEngineers(
  db: Database.Database,
  t: TableNames,
  period: { from?: string; to?: string; serviceUnitId?: string },
  asOf: string,
): EngineerRow[] {
  const inPeriod = (column: string) =>
    [period.from !== undefined ? `${column} >= @from` : '1=1', period.to !== undefined ? `${column} < @to` : '1=1'].join(' AND ');
  const params = { from: period.from, to: period.to };
  const engineers = db
    .prepare(
      `SELECT * FROM ${t('net_engineers')} ${period.serviceUnitId !== undefined ? `WHERE unit_id IN (SELECT unit_id FROM ${t('net_unit_paths')} WHERE ancestor_id = @unit)` : ''} ORDER BY engineer_id`,
    )
    .all({ unit: period.serviceUnitId }) as Array<{ engineer_id: string; name: string; unit_id: string | null; tier: string; active: number }>;
  const since = twelveMonthsBefore(asOf);
  return engineers.map((e) => {
    const id = { engineerId: e.engineer_id };
    const open = db
      .prepare(
        `SELECT count(*) AS n FROM ${t('net_dispatches')} d JOIN ${t('net_tickets')} n ON n.nt_ticket_id = d.ticket_id
          WHERE d.engineer_id = @engineerId AND n.restored_at IS NULL AND n.closed_at IS NULL`,
      )
      .get(id) as { n: number };
    const restored = db
      .prepare(
        `SELECT count(*) AS n, sum(n.dispatches = 1) AS first FROM ${t('net_tickets')} n
          WHERE n.nt_ticket_id IN (SELECT ticket_id FROM ${t('net_dispatches')} WHERE engineer_id = @engineerId) AND n.restored_at IS NOT NULL AND ${inPeriod('n.restored_at')}`,
      )
      .get({ ...id, ...params }) as { n: number; first: number | null };
    const arrivals = (
      db
        .prepare(
          `SELECT (julianday(min(d.arrived_at)) - julianday(n.reported_at)) * 86400000.0 AS ms FROM ${t('net_dispatches')} d
             JOIN ${t('net_tickets')} n ON n.nt_ticket_id = d.ticket_id
            WHERE d.engineer_id = @engineerId AND d.arrived_at IS NOT NULL AND ${inPeriod('n.reported_at')} GROUP BY d.ticket_id`,
        )
        .all({ ...id, ...params }) as Array<{ ms: number }>
    )
      .map((r) => Math.round(r.ms))
      .sort((a, b) => a - b);
    const scores = db
      .prepare(
        `SELECT ${SATISFACTION_KINDS.map((k) => `${k}_score`).join(', ')} FROM ${t('net_tickets')} n
          WHERE n.nt_ticket_id IN (SELECT ticket_id FROM ${t('net_dispatches')} WHERE engineer_id = @engineerId) AND ${inPeriod('n.reported_at')}`,
      )
      .all({ ...id, ...params }) as Array<Record<string, number | null>>;
    const all = scores.flatMap((row) => SATISFACTION_KINDS.map((k) => row[`${k}_score`]).filter((s): s is number => s !== null));
    const records = db
      .prepare(`SELECT record, course, kind, at, result, score FROM ${t('net_engineer_records')} WHERE engineer_id = @engineerId AND at >= @since AND at <= @asOf ORDER BY at, rowid`)
      .all({ ...id, since, asOf }) as EngineerRow['records'];
    const satisfied = all.filter((s) => s >= SATISFIED_FROM).length;
    return {
      engineerId: e.engineer_id,
      name: e.name,
      unitId: e.unit_id,
      tier: e.tier,
      active: e.active === 1,
      openDispatches: open.n,
      restored: restored.n,
      medianReportToArrivalMs: median(arrivals),
      p90ReportToArrivalMs: percentile(arrivals, 90),
      firstTimeFixes: restored.first ?? 0,
      firstTimeFixRate: ratio(restored.first ?? 0, restored.n),
      satisfaction: { rated: all.length, satisfied, rate: ratio(satisfied, all.length), averageScore: all.length === 0 ? null : ratio(all.reduce((a, b) => a + b, 0), all.length) },
      trainings: records.filter((r) => r.record === 'training').length,
      assessments: records.filter((r) => r.record === 'assessment').length,
      records,
    };
  });
}

export interface CustomerSegments {
  readonly loyalVisits: number;
  readonly lostAfterMonths: number;
}

export const CUSTOMER_SEGMENTS = ['loyal', 'lost', 'all'] as const;
export type CustomerSegment = (typeof CUSTOMER_SEGMENTS)[number];

export interface CustomerRow {
  readonly customerId: string;
  /** Tickets reported in the 12 months before `asOf`. */
  readonly visits: number;
  readonly lastVisit: string;
  /** The mean of every rating of the customer's tickets, all kinds; null with none. */
  readonly averageSatisfaction: number | null;
  /** loyal, lost, or active (neither). */
  readonly segment: 'loyal' | 'lost' | 'active';
  /** For a lost customer: the last ticket, how it ended and how it was rated ("why they left"). */
  readonly lastTicket: { ticketId: string; outcome: 'closed' | 'restored' | 'open'; rating: number | null } | null;
}

/** Customers with their visits of the last 12 months and their segment as of `asOf`. */
export function queryCustomers(db: Database.Database, t: TableNames, segments: CustomerSegments, segment: CustomerSegment, asOf: string, serviceUnitId?: string): CustomerRow[] {
  const since = twelveMonthsBefore(asOf);
  const lostBefore = monthsBefore(asOf, segments.lostAfterMonths);
  const unit = serviceUnitId !== undefined ? `AND service_unit_id IN (SELECT unit_id FROM ${t('net_unit_paths')} WHERE ancestor_id = @unit)` : '';
  const rows = db
    .prepare(
      `SELECT customer_id, sum(reported_at >= @since) AS visits, max(reported_at) AS last_visit,
              avg(s.score) AS average
         FROM ${t('net_tickets')} n
         LEFT JOIN (SELECT nt_ticket_id AS id, consultation_score AS score FROM ${t('net_tickets')} UNION ALL
                    SELECT nt_ticket_id, onsite_score FROM ${t('net_tickets')} UNION ALL
                    SELECT nt_ticket_id, product_score FROM ${t('net_tickets')}) s ON s.id = n.nt_ticket_id AND s.score IS NOT NULL
        WHERE reported_at <= @asOf ${unit}
        GROUP BY customer_id ORDER BY customer_id`,
    )
    .all({ since, asOf, unit: serviceUnitId }) as Array<{ customer_id: string; visits: number; last_visit: string; average: number | null }>;
  const lastTicket = db.prepare(
    `SELECT * FROM ${t('net_tickets')} WHERE customer_id = @customerId AND reported_at <= @asOf ${unit} ORDER BY reported_at DESC, nt_ticket_id DESC LIMIT 1`,
  );
  // The visits counted in a SUM over the join repeat a ticket once per rating: count them apart.
  const visits = db.prepare(`SELECT count(*) AS n FROM ${t('net_tickets')} WHERE customer_id = @customerId AND reported_at >= @since AND reported_at <= @asOf ${unit}`);
  const answer: CustomerRow[] = [];
  for (const row of rows) {
    const count = (visits.get({ customerId: row.customer_id, since, asOf, unit: serviceUnitId }) as { n: number }).n;
    const kind = count >= segments.loyalVisits ? 'loyal' : row.last_visit < lostBefore ? 'lost' : 'active';
    if (segment !== 'all' && segment !== kind) continue;
    let last: CustomerRow['lastTicket'] = null;
    if (kind === 'lost') {
      const ticket = lastTicket.get({ customerId: row.customer_id, asOf, unit: serviceUnitId }) as Record<string, string | number | null>;
      const ratings = SATISFACTION_KINDS.map((k) => ticket[`${k}_score`]).filter((s): s is number => s !== null);
      last = {
        ticketId: String(ticket.nt_ticket_id),
        outcome: ticket.closed_at !== null ? 'closed' : ticket.restored_at !== null ? 'restored' : 'open',
        rating: ratings.length === 0 ? null : Math.min(...ratings),
      };
    }
    answer.push({
      customerId: row.customer_id,
      visits: count,
      lastVisit: row.last_visit,
      averageSatisfaction: row.average === null ? null : Math.round(row.average * 100) / 100,
      segment: kind,
      lastTicket: last,
    });
  }
  return answer;
}

export interface ServiceQualityReport {
  readonly unitId: string;
  readonly name: string;
  readonly kind: string;
  readonly month: string;
  /** Fault tickets reported in the month under the unit (itself and every unit under it). */
  readonly repairs: number;
  /** Per metric: clocks met, breached and running, and the compliance. */
  readonly clocks: Record<string, { total: number; met: number; breached: number; running: number; compliance: number | null }>;
  readonly revisits: { restored: number; revisited: number; rate: number | null; targetPercent: number | null; met: boolean | null };
  readonly satisfaction: SatisfactionGroup['kinds'];
  /** Repairs of the month with an earlier ticket on the same asset, or of the same customer and category, in the 30 days before. */
  readonly repeatRepairs: number;
  readonly warranty: { inWarranty: number; outOfWarranty: number; unknown: number; charges: number };
  /** Major faults (major at report or raised later) and those acknowledged: reported on. */
  readonly majorFaults: { total: number; reported: number };
  readonly signedOff: { signed: number; share: number | null };
}

export interface ServiceQualitySources {
  readonly network: TableNames;
  readonly compliance: TableNames;
  readonly satisfaction: TableNames;
  /** The warranty archive's repairs, when available: `ticketId -> { inWarranty, charge }`. */
  readonly warranty?: (ticketId: string) => { inWarranty: boolean; charge: number } | undefined;
}

/** The monthly repair-quality feedback form of one unit (its subtree), as the agreement asks. */
export function queryServiceQuality(
  db: Database.Database,
  sources: ServiceQualitySources,
  unitId: string,
  month: string,
  now: string,
  targets: SatisfactionTargets,
): ServiceQualityReport | undefined {
  const n = sources.network;
  const unit = db.prepare(`SELECT * FROM ${n('net_units')} WHERE unit_id = ?`).get(unitId) as { unit_id: string; name: string; kind: string; terms: string } | undefined;
  if (!unit) return undefined;
  const from = `${month}-01T00:00:00.000Z`;
  const next = new Date(from);
  next.setUTCMonth(next.getUTCMonth() + 1);
  const to = next.toISOString();
  const network = networkTables(n);
  const filter: ViewFilter = { from, to, serviceUnitId: unitId, rollUp: true, network };
  const [compliance] = queryCompliance(db, sources.compliance, filter, now);
  const clocks: ServiceQualityReport['clocks'] = {};
  for (const [metric, figures] of Object.entries(compliance?.metrics ?? {})) {
    if (!('compliance' in figures)) continue;
    const m = figures as MetricFigures;
    clocks[metric] = { total: m.total, met: m.met, breached: m.breached, running: m.running, compliance: m.compliance };
  }
  const satisfaction = querySatisfaction(db, sources.satisfaction, filter, targets).groups[0];
  const repairs = db
    .prepare(
      `SELECT * FROM ${n('net_tickets')} WHERE kind <> 'consultation' AND reported_at >= @from AND reported_at < @to
          AND service_unit_id IN (SELECT unit_id FROM ${n('net_unit_paths')} WHERE ancestor_id = @unitId) ORDER BY reported_at`,
    )
    .all({ from, to, unitId }) as Array<Record<string, string | number | null>>;
  const earlier = db.prepare(
    `SELECT 1 FROM ${n('net_tickets')} WHERE nt_ticket_id <> @id AND reported_at < @at AND reported_at >= @since
        AND ((@assetId IS NOT NULL AND asset_id = @assetId) OR (@category IS NOT NULL AND customer_id = @customerId AND category = @category)) LIMIT 1`,
  );
  let repeat = 0;
  const warranty = { inWarranty: 0, outOfWarranty: 0, unknown: 0, charges: 0 };
  for (const r of repairs) {
    const at = String(r.reported_at);
    const since = new Date(Date.parse(at) - MONTH_MS).toISOString();
    if (earlier.get({ id: r.nt_ticket_id, at, since, assetId: r.asset_id, category: r.category, customerId: r.customer_id })) repeat += 1;
    const repair = sources.warranty?.(String(r.nt_ticket_id));
    if (!repair) warranty.unknown += 1;
    else if (repair.inWarranty) warranty.inWarranty += 1;
    else warranty.outOfWarranty += 1;
    warranty.charges += repair?.charge ?? 0;
  }
  const terms = JSON.parse(unit.terms) as { revisitTargetPercent?: number };
  const revisitRate = satisfaction.revisits.rate;
  const targetPercent = typeof terms.revisitTargetPercent === 'number' ? terms.revisitTargetPercent : null;
  const major = repairs.filter((r) => r.was_major === 1);
  const signed = repairs.filter((r) => r.signed_off === 1).length;
  return {
    unitId: unit.unit_id,
    name: unit.name,
    kind: unit.kind,
    month,
    repairs: repairs.length,
    clocks,
    revisits: {
      ...satisfaction.revisits,
      targetPercent,
      met: targetPercent === null || revisitRate === null ? null : revisitRate * 100 >= targetPercent,
    },
    satisfaction: satisfaction.kinds,
    repeatRepairs: repeat,
    warranty: { ...warranty, charges: Math.round(warranty.charges * 100) / 100 },
    majorFaults: { total: major.length, reported: major.filter((r) => r.acknowledged === 1).length },
    signedOff: { signed, share: ratio(signed, repairs.length) },
  };
}

/** The warranty archive's verdict on a repair: in or out of warranty and the assessed charge's total (0 until assessed). */
export function warrantyRepairLookup(db: Database.Database, t: TableNames): (ticketId: string) => { inWarranty: boolean; charge: number } | undefined {
  const ticket = db.prepare(`SELECT asset_id FROM ${t('warranty_tickets')} WHERE ticket_id = ?`);
  const asset = db.prepare(`SELECT state FROM ${t('warranty_assets')} WHERE asset_id = ?`);
  return (ticketId) => {
    const row = ticket.get(ticketId) as { asset_id: string } | undefined;
    if (!row) return undefined;
    const state = asset.get(row.asset_id) as { state: string } | undefined;
    if (!state) return undefined;
    const repairs = (JSON.parse(state.state) as { repairs?: Array<{ ticketId: string; inWarranty: boolean; charge: { amounts: { total: number } } | null }> }).repairs ?? [];
    const repair = repairs.find((r) => r.ticketId === ticketId);
    return repair ? { inWarranty: repair.inWarranty, charge: repair.charge?.amounts.total ?? 0 } : undefined;
  };
}

