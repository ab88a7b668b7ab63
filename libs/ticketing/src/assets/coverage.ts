import { addDays, periodEnd, type CalendarDate } from './calendar-date';
import type { CoverageLength } from './asset-events';
import type { Asset, AssetState, Coverage } from './asset-state';
import { OTHER_WORKS_CATEGORY, type CoverageStart } from './asset-vocabulary';

/**
 * Coverage periods on calendar dates, end inclusive.
 *
 * - From acceptance, a period starts the day after (first document: "自竣工验收完毕之日的第二天起"):
 *   accepted 2025-06-30, 5 years -> 2025-07-01 .. 2030-06-30.
 * - From the acceptance day (`acceptance-day`), it starts on the day acceptance is signed (the
 *   IT support plan: five years "from the day acceptance is signed"): accepted 2025-06-30,
 *   5 years -> 2025-06-30 .. 2030-06-29.
 * - From the sale, it starts on the sale day itself (fifth document: "自售出之日起", from the day
 *   of sale; the item is covered the day it is handed over): sold 2025-03-10, 1 year ->
 *   2025-03-10 .. 2026-03-09.
 * - The end is the day before the same day of the month N months later, or the last day of that
 *   month when it has no such day (see `periodEnd`). Extensions add their months to the total,
 *   and the end is recomputed from the start, so month-end clamping never compounds.
 */
export type CoveragePeriod = Readonly<{ start: CalendarDate; end: CalendarDate }>;

export type CoverageAnswer = Readonly<{ covered: boolean; coverage: Coverage | null }>;

export type CoverageYear = Readonly<{ year: number; from: CalendarDate; to: CalendarDate }>;

export function lengthInMonths(length: CoverageLength | { years?: number; months?: number }): number {
  return 'years' in length && length.years !== undefined ? length.years * 12 : (length as { months: number }).months;
}

export function coverageStart(startsFrom: CoverageStart, acceptedAt: CalendarDate, saleDate: CalendarDate | null): CalendarDate {
  switch (startsFrom) {
    case 'acceptance':
      return addDays(acceptedAt, 1);
    case 'acceptance-day':
      return acceptedAt;
    case 'sale':
      if (saleDate === null) throw new RangeError('a coverage from the sale needs the sale date');
      return saleDate;
    default: {
      const _never: never = startsFrom;
      return _never;
    }
  }
}

export function coveragePeriod(start: CalendarDate, months: number): CoveragePeriod {
  return { start, end: periodEnd(start, months) };
}

/**
 * The coverage that answers for a category: the one named so, or else the `other` coverage
 * (the first document's "other works 2 years" covers every category waterproofing does not).
 */
export function coverageFor(asset: Asset, category: string): Coverage | null {
  return (
    asset.coverages.find((c) => c.category === category) ??
    asset.coverages.find((c) => c.category === OTHER_WORKS_CATEGORY) ??
    null
  );
}

/** Whether `category` is covered on the local date `date` (both ends included). */
export function coverageOn(state: AssetState, category: string, date: CalendarDate): CoverageAnswer {
  if (state.status === 'none') return { covered: false, coverage: null };
  const coverage = coverageFor(state, category);
  if (!coverage) return { covered: false, coverage: null };
  return { covered: coverage.start <= date && date <= coverage.end, coverage };
}

/** Whether a coverage is running on `date`, as the archive view's `active` shows it. */
export function isActive(coverage: Coverage, date: CalendarDate): boolean {
  return coverage.start <= date && date <= coverage.end;
}

/** The earliest start and the latest end over all coverages. */
export function coverageSpan(asset: Asset): CoveragePeriod | null {
  if (asset.coverages.length === 0) return null;
  const starts = asset.coverages.map((c) => c.start).sort();
  const ends = asset.coverages.map((c) => c.end).sort();
  return { start: starts[0]!, end: ends[ends.length - 1]! };
}

/**
 * The asset's coverage years, counted from the earliest coverage start to the latest end: year 1
 * is start .. start + 1 year - 1 day, and so on. A last year cut short by the end of coverage
 * is still a year (its inspection is still granted).
 */
export function coverageYears(asset: Asset): CoverageYear[] {
  const span = coverageSpan(asset);
  if (!span) return [];
  const years: CoverageYear[] = [];
  for (let year = 1, from = span.start; from <= span.end; year += 1) {
    const full = periodEnd(span.start, 12 * year);
    const to = full < span.end ? full : span.end;
    years.push({ year, from, to });
    from = addDays(full, 1);
  }
  return years;
}

/** The coverage year a local date falls in, or null outside the coverage years. */
export function coverageYearOf(asset: Asset, date: CalendarDate): CoverageYear | null {
  return coverageYears(asset).find((y) => y.from <= date && date <= y.to) ?? null;
}
