import type { IsoInstant } from '../business-time';
import type { ChargeDecision, RepairFacts } from '../charges/repair-facts';
import type { CalendarDate } from './calendar-date';
import type { AssetContact, EntitlementGrant, FirstVisitTerm, Subcontractor, WarrantyContract } from './asset-events';
import type { AutoTicketKind, CoverageStart, DepositKind, Entitlement } from './asset-vocabulary';

/**
 * An asset as its events leave it: the warranty archive of the first seed document plus the
 * counted entitlements. Plain JSON (absent values are `null`), like the ticket state.
 */
export type NoAsset = Readonly<{ status: 'none'; version: -1 }>;

export type CoverageExtension = Readonly<{ months: number; approvedBy: string; reason: string; at: IsoInstant }>;

/**
 * One category's coverage. `months` is the registered length (years x 12); `end` includes the
 * extensions and is inclusive. Recomputed from `start` and the total, never by moving `end`.
 */
export type Coverage = Readonly<{
  category: string;
  startsFrom: CoverageStart;
  months: number;
  start: CalendarDate;
  end: CalendarDate;
  extensions: readonly CoverageExtension[];
}>;

export type Consumption = Readonly<{ entitlement: Entitlement; ticketId: string; year: number | null; at: IsoInstant }>;

export type Deposit = Readonly<{ kind: DepositKind; amount: number; reference: string | null; note: string | null; at: IsoInstant }>;

export type Inspection = Readonly<{
  inspectedOn: CalendarDate;
  by: string;
  report: string;
  findings: readonly string[];
  ticketId: string | null;
  at: IsoInstant;
}>;

export type RevisitRecord = Readonly<{ plannedDueOn: CalendarDate | null; by: string; outcome: string; at: IsoInstant }>;

export type RevisitPlan = Readonly<{ dueOn: CalendarDate; purpose: string; plannedAt: IsoInstant; done: RevisitRecord | null }>;

export type Repair = Readonly<{
  ticketId: string;
  category: string;
  reportedAt: IsoInstant;
  reportedOn: CalendarDate;
  inWarranty: boolean;
  /** The latest assessment, null until the repair is assessed. */
  charge: ChargeDecision | null;
  facts: RepairFacts | null;
  policyId: string | null;
  policyVersion: number | null;
  recordedAt: IsoInstant;
  assessedAt: IsoInstant | null;
}>;

/**
 * A schedule event the asset received: `key` names the obligation it is about (see
 * `scheduleKey`), so that the same event is never owed twice.
 */
export type ScheduleRecord = Readonly<{ type: string; key: string; dueOn: CalendarDate; at: IsoInstant }>;

export type Asset = Readonly<{
  status: 'registered';
  /** The stream revision: events applied - 1. */
  version: number;
  assetId: string;
  customerId: string;
  ownerName: string | null;
  name: string;
  kind: string;
  acceptedAt: CalendarDate;
  saleDate: CalendarDate | null;
  timeZone: string;
  coverages: readonly Coverage[];
  entitlements: EntitlementGrant;
  consumptions: readonly Consumption[];
  deposits: readonly Deposit[];
  inspections: readonly Inspection[];
  revisitPlans: readonly RevisitPlan[];
  revisits: readonly RevisitRecord[];
  repairs: readonly Repair[];
  contract: WarrantyContract | null;
  contacts: readonly AssetContact[];
  subcontractors: readonly Subcontractor[];
  /** The first visit owed, if any (absent in states stored before it existed: read with `?? null`). */
  firstVisit?: FirstVisitTerm | null;
  /** Schedule entries that report a ticket by themselves (absent in older stored states: `?? []`). */
  autoTickets?: readonly AutoTicketKind[];
  /** The schedule events received, in stream order. */
  schedule: readonly ScheduleRecord[];
  registeredAt: IsoInstant;
  /** The latest `at` seen: commands may not be dated before it. Schedule events leave it alone. */
  lastEventAt: IsoInstant;
}>;

export type AssetState = NoAsset | Asset;

export function initialAssetState(): AssetState {
  return { status: 'none', version: -1 };
}

/** Units of a counted entitlement (relocation, rebuild) used so far. */
export function usedCount(asset: Asset, entitlement: Entitlement): number {
  return asset.consumptions.filter((c) => c.entitlement === entitlement).length;
}

export function repairOf(asset: Asset, ticketId: string): Repair | undefined {
  return asset.repairs.find((repair) => repair.ticketId === ticketId);
}
