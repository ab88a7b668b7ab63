import type { ChargePolicy } from '../charges/charge-policy';
import type { RepairFacts } from '../charges/repair-facts';
import type { Command } from '../message';
import type { CalendarDate } from './calendar-date';
import type { AssetContact, Subcontractor, WarrantyContract } from './asset-events';
import type { AutoTicketKind, CoverageStart, DepositKind, Entitlement } from './asset-vocabulary';

/**
 * What callers ask of an asset. Every command may carry `at` (any ISO 8601 date-time with an
 * offset); `decideAsset` uses `at ?? now`. Lengths are `years` or `months`, exactly one.
 */
type At = { at?: string };
type Length = { years?: number; months?: number };

export type CoverageInput = Length & { category: string; startsFrom?: CoverageStart };

export type RegisterAsset = Command<
  'RegisterAsset',
  At & {
    assetId: string;
    customerId: string;
    ownerName?: string;
    name: string;
    kind: string;
    acceptedAt: CalendarDate;
    saleDate?: CalendarDate;
    /** IANA zone of the asset's calendar; Asia/Shanghai when left out. */
    timeZone?: string;
    coverages: readonly CoverageInput[];
    /** Counts left out are 0: nothing is given away by default. */
    entitlements?: { relocation?: number; rebuild?: number; inspectionsPerYear?: number };
    contract?: WarrantyContract;
    contacts?: readonly AssetContact[];
    subcontractors?: readonly Subcontractor[];
    /** A first visit owed `afterDays` after the acceptance (or the sale, `from: 'sale'`); none when left out. */
    firstVisit?: { afterDays: number; from?: CoverageStart };
    /** Due schedule entries that report a ticket by themselves; none when left out. */
    autoTickets?: readonly AutoTicketKind[];
  }
>;

/** The dealer agreement: extensions only with the manufacturer's approval, so `approvedBy` is required. */
export type ExtendCoverage = Command<'ExtendCoverage', At & Length & { category: string; approvedBy: string; reason: string }>;

export type RecordDeposit = Command<'RecordDeposit', At & { kind: DepositKind; amount: number; reference?: string; note?: string }>;

export type RecordInspection = Command<
  'RecordInspection',
  At & { inspectedOn: CalendarDate; by: string; report: string; findings?: readonly string[]; ticketId?: string }
>;

export type PlanRevisit = Command<'PlanRevisit', At & { dueOn: CalendarDate; purpose: string }>;

/** Named apart from the ticket's CompleteRevisit: this is the archive's follow-up visit to the asset. */
export type CompleteAssetRevisit = Command<
  'CompleteAssetRevisit',
  At & { plannedDueOn?: CalendarDate; by: string; outcome: string }
>;

/** A relocation, rebuild or inspection ticket reported against the asset uses one unit; `at` is its report time. */
export type ConsumeEntitlement = Command<'ConsumeEntitlement', At & { entitlement: Entitlement; ticketId: string }>;

/** Facts as a caller knows them: the asset derives `daysSinceSale` and `inWarranty` when left out. */
export type RepairFactsInput = Omit<RepairFacts, 'daysSinceSale' | 'inWarranty'> & {
  daysSinceSale?: number;
  inWarranty?: boolean;
};

/** The charge policy is resolved by the caller from the parsed catalog, as ticket SLA policies are. */
export type ChargeRequest = { policy: ChargePolicy; facts: RepairFactsInput };

export type RecordRepair = Command<
  'RecordRepair',
  At & { ticketId: string; category: string; reportedAt: string; assessment?: ChargeRequest }
>;

export type AssessRepair = Command<'AssessRepair', At & ChargeRequest & { ticketId: string }>;

export type AssetCommand =
  | RegisterAsset
  | ExtendCoverage
  | RecordDeposit
  | RecordInspection
  | PlanRevisit
  | CompleteAssetRevisit
  | ConsumeEntitlement
  | RecordRepair
  | AssessRepair;

export type AssetCommandType = AssetCommand['type'];

export const ASSET_COMMAND_TYPES = [
  'RegisterAsset',
  'ExtendCoverage',
  'RecordDeposit',
  'RecordInspection',
  'PlanRevisit',
  'CompleteAssetRevisit',
  'ConsumeEntitlement',
  'RecordRepair',
  'AssessRepair',
] as const satisfies readonly AssetCommandType[];

type MissingFromList = Exclude<AssetCommandType, (typeof ASSET_COMMAND_TYPES)[number]>;
const _everyTypeListed: MissingFromList extends never ? true : MissingFromList = true;
void _everyTypeListed;
