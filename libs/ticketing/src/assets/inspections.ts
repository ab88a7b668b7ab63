import type { CalendarDate } from './calendar-date';
import type { Asset, AssetState } from './asset-state';
import { usedCount } from './asset-state';
import { coverageYears, coverageYearOf, type CoverageYear } from './coverage';

/**
 * One coverage year's inspections. `done` counts inspection tickets that used the entitlement in
 * that year plus recorded inspections of the year not linked to such a ticket (one visit is not
 * counted twice). `dueOn` is the year's last day while inspections remain; `overdue` once that day
 * has passed without them.
 */
export type InspectionYear = Readonly<
  CoverageYear & { granted: number; done: number; remaining: number; dueOn: CalendarDate | null; overdue: boolean }
>;

export type InspectionsDue = Readonly<{
  /** Every coverage year begun by `today`, oldest first. */
  years: readonly InspectionYear[];
  /** The year `today` falls in; null before coverage starts or after it ends. */
  current: InspectionYear | null;
  /** The earliest due date among begun years with inspections remaining (an overdue year first). */
  nextDueOn: CalendarDate | null;
  /** Whether any begun year ended without its inspections. */
  overdue: boolean;
}>;

export type EntitlementBalance = Readonly<{ granted: number; used: number; remaining: number }>;

export type EntitlementBalances = Readonly<{
  relocation: EntitlementBalance;
  rebuild: EntitlementBalance;
  /** The current coverage year's inspections; zeros outside the coverage years. */
  inspection: EntitlementBalance & { year: number | null };
}>;

export function inspectionsDue(state: AssetState, today: CalendarDate): InspectionsDue {
  if (state.status === 'none') return { years: [], current: null, nextDueOn: null, overdue: false };
  const years = coverageYears(state)
    .filter((year) => year.from <= today)
    .map((year) => inspectionYear(state, year, today));
  const current = years.find((year) => year.from <= today && today <= year.to) ?? null;
  const due = years.map((year) => year.dueOn).filter((date): date is CalendarDate => date !== null);
  return { years, current, nextDueOn: due[0] ?? null, overdue: years.some((year) => year.overdue) };
}

/** Inspections done in a coverage year (see InspectionYear). */
export function inspectionsDoneIn(asset: Asset, year: CoverageYear): number {
  const consumed = asset.consumptions.filter((c) => c.entitlement === 'inspection');
  const inYear = consumed.filter((c) => c.year === year.year).length;
  const consumedTickets = new Set(consumed.map((c) => c.ticketId));
  const recorded = asset.inspections.filter(
    (i) => i.inspectedOn >= year.from && i.inspectedOn <= year.to && (i.ticketId === null || !consumedTickets.has(i.ticketId)),
  ).length;
  return inYear + recorded;
}

function inspectionYear(asset: Asset, year: CoverageYear, today: CalendarDate): InspectionYear {
  const granted = asset.entitlements.inspectionsPerYear;
  const done = inspectionsDoneIn(asset, year);
  const remaining = Math.max(0, granted - done);
  return { ...year, granted, done, remaining, dueOn: remaining > 0 ? year.to : null, overdue: remaining > 0 && today > year.to };
}

/** Granted, used and remaining units of each entitlement on `today`, as the archive view lists them. */
export function entitlementsOf(state: AssetState, today: CalendarDate): EntitlementBalances {
  if (state.status === 'none') {
    const none = { granted: 0, used: 0, remaining: 0 };
    return { relocation: none, rebuild: none, inspection: { ...none, year: null } };
  }
  const counted = (granted: number, used: number) => ({ granted, used, remaining: Math.max(0, granted - used) });
  const year = coverageYearOf(state, today);
  return {
    relocation: counted(state.entitlements.relocation, usedCount(state, 'relocation')),
    rebuild: counted(state.entitlements.rebuild, usedCount(state, 'rebuild')),
    inspection: year
      ? { ...counted(state.entitlements.inspectionsPerYear, inspectionsDoneIn(state, year)), year: year.year }
      : { granted: 0, used: 0, remaining: 0, year: null },
  };
}
