import type { IsoInstant } from '../business-time';
import type { ChargeDecision, RepairFacts } from '../charges/repair-facts';
import type { Event } from '../message';
import type { CalendarDate } from './calendar-date';
import type { CoverageStart, DepositKind, Entitlement } from './asset-vocabulary';

/**
 * The asset's events (stream `asset-<id>`, schema version 1). Every payload carries `at`, the
 * business time (canonical ISO 8601 UTC); dates of the warranty archive are calendar dates on the
 * asset's local calendar. Optional fields are left out, never `undefined`. Which fields are
 * personal data (stored encrypted, erasable) is declared in `PERSONAL_FIELDS`.
 */

/** A period of whole years or whole months (exactly one). */
export type CoverageLength = Readonly<{ years: number }> | Readonly<{ months: number }>;

export type CoverageTerm = Readonly<{ category: string; startsFrom: CoverageStart }> & CoverageLength;

export type EntitlementGrant = Readonly<{ relocation: number; rebuild: number; inspectionsPerYear: number }>;

export type WarrantyContract = Readonly<{ number: string; signedAt?: CalendarDate; terms?: string }>;

export type AssetContact = Readonly<{ name: string; role?: string; phone?: string; email?: string }>;

export type Subcontractor = Readonly<{
  name: string;
  warrantyItems: readonly string[];
  contact?: string;
  warrantyAmount?: number;
}>;

export type AssetRegistered = Event<
  'AssetRegistered',
  {
    assetId: string;
    customerId: string;
    ownerName?: string;
    name: string;
    kind: string;
    acceptedAt: CalendarDate;
    saleDate?: CalendarDate;
    timeZone: string;
    coverages: readonly CoverageTerm[];
    entitlements: EntitlementGrant;
    contract?: WarrantyContract;
    contacts?: readonly AssetContact[];
    subcontractors?: readonly Subcontractor[];
    at: IsoInstant;
  }
>;

export type CoverageExtended = Event<
  'CoverageExtended',
  { category: string; approvedBy: string; reason: string; at: IsoInstant } & CoverageLength
>;

export type DepositRecorded = Event<
  'DepositRecorded',
  { kind: DepositKind; amount: number; reference?: string; note?: string; at: IsoInstant }
>;

/** `ticketId` links the visit to an inspection ticket, so it is not counted twice. */
export type InspectionRecorded = Event<
  'InspectionRecorded',
  { inspectedOn: CalendarDate; by: string; report: string; findings?: readonly string[]; ticketId?: string; at: IsoInstant }
>;

export type RevisitPlanned = Event<'RevisitPlanned', { dueOn: CalendarDate; purpose: string; at: IsoInstant }>;

/** `plannedDueOn` names the plan this visit fulfils; without it the revisit was unplanned. */
export type RevisitDone = Event<'RevisitDone', { plannedDueOn?: CalendarDate; by: string; outcome: string; at: IsoInstant }>;

/** `year` (1 = the first coverage year) for the yearly inspection. */
export type EntitlementConsumed = Event<
  'EntitlementConsumed',
  { entitlement: Entitlement; ticketId: string; year?: number; at: IsoInstant }
>;

export type ChargeAssessment = Readonly<{ policyId: string; policyVersion: number; facts: RepairFacts }>;

/**
 * A ticket against the asset and a category. `reportedOn` is the local date of `reportedAt` in
 * the asset's zone; `inWarranty` is the coverage on that date. `charge` and `assessment` are set
 * when the repair was assessed as it was recorded.
 */
export type RepairRecorded = Event<
  'RepairRecorded',
  {
    ticketId: string;
    category: string;
    reportedAt: IsoInstant;
    reportedOn: CalendarDate;
    inWarranty: boolean;
    charge: ChargeDecision | null;
    assessment?: ChargeAssessment;
    at: IsoInstant;
  }
>;

export type RepairAssessed = Event<
  'RepairAssessed',
  { ticketId: string; policyId: string; policyVersion: number; facts: RepairFacts; decision: ChargeDecision; at: IsoInstant }
>;

export type AssetEvent =
  | AssetRegistered
  | CoverageExtended
  | DepositRecorded
  | InspectionRecorded
  | RevisitPlanned
  | RevisitDone
  | EntitlementConsumed
  | RepairRecorded
  | RepairAssessed;

export type AssetEventType = AssetEvent['type'];

export const ASSET_EVENT_TYPES = [
  'AssetRegistered',
  'CoverageExtended',
  'DepositRecorded',
  'InspectionRecorded',
  'RevisitPlanned',
  'RevisitDone',
  'EntitlementConsumed',
  'RepairRecorded',
  'RepairAssessed',
] as const satisfies readonly AssetEventType[];
