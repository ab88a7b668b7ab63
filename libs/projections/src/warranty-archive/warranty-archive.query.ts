import type Database from 'better-sqlite3';
import { entitlementsOf, inspectionsDue, isActive, localDate, type Asset } from '@app/ticketing';
import type { TableNames } from '../projection';

/** The archive of one asset as the first seed document lists it, at `now` in the asset's time zone. */
export function queryWarrantyArchive(db: Database.Database, t: TableNames, assetId: string, now: string) {
  const row = db.prepare(`SELECT state FROM ${t('warranty_assets')} WHERE asset_id = ?`).get(assetId) as { state: string } | undefined;
  if (!row) return undefined;
  const asset = JSON.parse(row.state) as Asset;
  const today = localDate(now, asset.timeZone);
  const tickets = db
    .prepare(`SELECT * FROM ${t('warranty_tickets')} WHERE asset_id = ? ORDER BY reported_at, ticket_id`)
    .all(assetId) as Array<Record<string, string | null>>;
  const inspections = inspectionsDue(asset, today);
  return {
    assetId: asset.assetId,
    asOf: today,
    customerId: asset.customerId,
    ownerName: asset.ownerName,
    name: asset.name,
    kind: asset.kind,
    acceptedAt: asset.acceptedAt,
    saleDate: asset.saleDate,
    timeZone: asset.timeZone,
    contract: asset.contract,
    contacts: asset.contacts,
    subcontractors: asset.subcontractors,
    coverages: asset.coverages.map((c) => ({
      category: c.category,
      startsFrom: c.startsFrom,
      months: c.months,
      start: c.start,
      end: c.end,
      active: isActive(c, today),
      extensions: c.extensions,
    })),
    repairs: asset.repairs.map((r) => ({
      ticketId: r.ticketId,
      category: r.category,
      reportedAt: r.reportedAt,
      reportedOn: r.reportedOn,
      inWarranty: r.inWarranty,
      charge: r.charge,
      facts: r.facts,
      chargePolicy: r.policyId ? { id: r.policyId, version: r.policyVersion } : null,
      assessedAt: r.assessedAt,
    })),
    entitlements: entitlementsOf(asset, today),
    entitlementUses: asset.consumptions,
    inspections: { done: asset.inspections, years: inspections.years, nextDueOn: inspections.nextDueOn, overdue: inspections.overdue },
    revisits: { planned: asset.revisitPlans, done: asset.revisits },
    deposits: asset.deposits,
    /** The schedule events the asset received (InspectionDue, CoverageEnding, ...), in stream order. */
    schedule: asset.schedule ?? [],
    serviceRecords: tickets.map((ticket) => ({
      ticketId: ticket.ticket_id,
      kind: ticket.kind,
      category: ticket.category,
      summary: sealedOrText(ticket.summary),
      reportedAt: ticket.reported_at,
      status: ticket.status,
      restoredAt: ticket.restored_at,
      closedAt: ticket.closed_at,
    })),
    registeredAt: asset.registeredAt,
  };
}

/** A text column that holds either text or a sealed personal value (an envelope as JSON). */
function sealedOrText(value: string | null): unknown {
  return value !== null && value.startsWith('{"$enc"') ? (JSON.parse(value) as unknown) : value;
}

export interface ArchiveListFilter {
  readonly customerId?: string;
  /** Assets with a coverage ending before this date (exclusive). */
  readonly coverageEndsBefore?: string;
  readonly inspectionOverdue?: boolean;
}

export interface ArchiveListRow {
  readonly assetId: string;
  readonly customerId: string;
  readonly name: string;
  readonly kind: string;
  readonly earliestCoverageEnd: string | null;
  readonly latestCoverageEnd: string | null;
  readonly activeCoverages: number;
  readonly inspectionOverdue: boolean;
  readonly nextInspectionDue: string | null;
}

/** The assets' archive summaries, filtered; overdue inspections are judged at `now`. */
export function listWarrantyArchives(db: Database.Database, t: TableNames, filter: ArchiveListFilter, page: { limit: number; offset: number }, now: string) {
  const clauses = ['1=1'];
  const params: Record<string, unknown> = {};
  if (filter.customerId) {
    clauses.push('customer_id = @customerId');
    params.customerId = filter.customerId;
  }
  if (filter.coverageEndsBefore) {
    clauses.push('earliest_end < @endsBefore');
    params.endsBefore = filter.coverageEndsBefore;
  }
  const rows = db
    .prepare(`SELECT state FROM ${t('warranty_assets')} WHERE ${clauses.join(' AND ')} ORDER BY asset_id`)
    .all(params) as Array<{ state: string }>;
  const all: ArchiveListRow[] = rows
    .map((row) => JSON.parse(row.state) as Asset)
    .map((asset) => {
      const today = localDate(now, asset.timeZone);
      const due = inspectionsDue(asset, today);
      const ends = asset.coverages.map((c) => c.end).sort();
      return {
        assetId: asset.assetId,
        customerId: asset.customerId,
        name: asset.name,
        kind: asset.kind,
        earliestCoverageEnd: ends[0] ?? null,
        latestCoverageEnd: ends[ends.length - 1] ?? null,
        activeCoverages: asset.coverages.filter((c) => isActive(c, today)).length,
        inspectionOverdue: due.overdue,
        nextInspectionDue: due.nextDueOn,
      };
    })
    .filter((row) => filter.inspectionOverdue === undefined || row.inspectionOverdue === filter.inspectionOverdue);
  return { total: all.length, items: all.slice(page.offset, page.offset + page.limit) };
}
