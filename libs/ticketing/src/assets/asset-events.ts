import type { IsoInstant } from '../business-time';
import type { ChargeDecision, RepairFacts } from '../charges/repair-facts';
import type { Event } from '../message';
import type { CalendarDate } from './calendar-date';
import type { AutoTicketKind, CoverageStart, DepositKind, Entitlement } from './asset-vocabulary';

/**
 * The asset's events (stream `asset-<id>`, schema version 1; the schedule's events came later at
 * version 1 too, new types need no upcasting). Every payload carries `at`, the
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

/** A first visit owed `afterDays` days after the acceptance or the sale (`from`). */
export type FirstVisitTerm = Readonly<{ afterDays: number; from: CoverageStart }>;

/**
 * `firstVisit` and `autoTickets` came later at schema version 1: absent means no first visit is
 * owed and no ticket is reported by the schedule.
 */
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
    firstVisit?: FirstVisitTerm;
    autoTickets?: readonly AutoTicketKind[];
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

/**
 * The schedule's events: appended by the engine itself (the schedule follower) when a date of
 * the asset falls due, never by a caller. `dueOn` is the local date it fell due on and `at` is
 * local midnight of that date in the asset's zone.
 */
type Due = { dueOn: CalendarDate; at: IsoInstant };

/** The first day of a coverage year (`windowFrom`..`windowTo`) with `remaining` inspections left. */
export type InspectionDue = Event<'InspectionDue', Due & { year: number; windowFrom: CalendarDate; windowTo: CalendarDate; remaining: number }>;

/** The day after a coverage year ended with `missing` inspections not done. */
export type InspectionOverdue = Event<'InspectionOverdue', Due & { year: number; windowFrom: CalendarDate; windowTo: CalendarDate; missing: number }>;

/** `plan` numbers the revisit plans in the order they were made, 1 for the first. */
export type RevisitDue = Event<'RevisitDue', Due & { plan: number; plannedDueOn: CalendarDate; purpose: string }>;

/** `graceDays` after a planned revisit's date with no revisit recorded for the plan. */
export type RevisitOverdue = Event<'RevisitOverdue', Due & { plan: number; plannedDueOn: CalendarDate; graceDays: number }>;

/** The day a first visit falls due: `afterDays` after the acceptance or sale date (`from`, `fromDate`). */
export type FirstVisitDue = Event<'FirstVisitDue', Due & { from: CoverageStart; fromDate: CalendarDate; afterDays: number }>;

/** `daysBefore` days before the last day (`end`) of one category's coverage. */
export type CoverageEnding = Event<'CoverageEnding', Due & { category: string; end: CalendarDate; daysBefore: number }>;

/** The day after the last day (`end`) of one category's coverage. */
export type CoverageEnded = Event<'CoverageEnded', Due & { category: string; end: CalendarDate }>;

export type ScheduleEvent = InspectionDue | InspectionOverdue | RevisitDue | RevisitOverdue | FirstVisitDue | CoverageEnding | CoverageEnded;

export const SCHEDULE_EVENT_TYPES = [
  'InspectionDue',
  'InspectionOverdue',
  'RevisitDue',
  'RevisitOverdue',
  'FirstVisitDue',
  'CoverageEnding',
  'CoverageEnded',
] as const satisfies readonly ScheduleEvent['type'][];

export type AssetEvent =
  | AssetRegistered
  | CoverageExtended
  | DepositRecorded
  | InspectionRecorded
  | RevisitPlanned
  | RevisitDone
  | EntitlementConsumed
  | RepairRecorded
  | RepairAssessed
  | ScheduleEvent;

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
  ...SCHEDULE_EVENT_TYPES,
] as const satisfies readonly AssetEventType[];
