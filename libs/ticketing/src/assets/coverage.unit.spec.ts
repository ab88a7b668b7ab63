import type { AssetEvent } from './asset-events';
import { coverageOn, coverageSpan, coverageYearOf, coverageYears, isActive } from './coverage';
import { entitlementsOf, inspectionsDue } from './inspections';
import { initialAssetState } from './asset-state';
import { consumed, inspected, on, registered, replay } from './testing/asset-spec';

const extended = (category: string, length: { years: number } | { months: number }, at = on('2026-01-05')): AssetEvent => ({
  type: 'CoverageExtended',
  data: { category, ...length, approvedBy: 'manufacturer', reason: 'goodwill', at },
});

describe('coverage periods (first document: from the day after acceptance)', () => {
  const asset = replay(registered());

  it('accepted 2025-06-30: waterproofing 2025-07-01..2030-06-30, other works 2025-07-01..2027-06-30', () => {
    expect(asset.coverages.map(({ category, start, end }) => ({ category, start, end }))).toEqual([
      { category: 'waterproofing', start: '2025-07-01', end: '2030-06-30' },
      { category: 'other', start: '2025-07-01', end: '2027-06-30' },
    ]);
  });

  it.each([
    ['the acceptance day', 'waterproofing', '2025-06-30', false],
    ['the first day', 'waterproofing', '2025-07-01', true],
    ['the last day', 'waterproofing', '2030-06-30', true],
    ['the day after', 'waterproofing', '2030-07-01', false],
    ['other works, last day', 'other', '2027-06-30', true],
    ['other works, day after', 'other', '2027-07-01', false],
    ['a category no coverage names falls under other works', 'tiles', '2027-06-30', true],
    ['... and ends with them', 'tiles', '2027-07-01', false],
  ])('%s', (_name, category, date, covered) => {
    expect(coverageOn(asset, category, date).covered).toBe(covered);
  });

  it('names the coverage that answered, or none', () => {
    expect(coverageOn(asset, 'tiles', '2026-01-01').coverage?.category).toBe('other');
    const onlyWater = replay(registered({ coverages: [{ category: 'waterproofing', startsFrom: 'acceptance', years: 5 }] }));
    expect(coverageOn(onlyWater, 'tiles', '2026-01-01')).toEqual({ covered: false, coverage: null });
    expect(coverageOn(initialAssetState(), 'waterproofing', '2026-01-01')).toEqual({ covered: false, coverage: null });
  });

  it('is active within its period', () => {
    expect(isActive(asset.coverages[1]!, '2027-06-30')).toBe(true);
    expect(isActive(asset.coverages[1]!, '2027-07-01')).toBe(false);
  });
});

describe('coverage from the day acceptance is signed (the IT support plan: 5 years)', () => {
  const plan = replay(registered({ coverages: [{ category: 'system', startsFrom: 'acceptance-day', years: 5 }] }));

  it('accepted 2025-06-30: 2025-06-30..2030-06-29, the acceptance day covered', () => {
    expect(plan.coverages.map(({ start, end }) => ({ start, end }))).toEqual([{ start: '2025-06-30', end: '2030-06-29' }]);
    expect(coverageOn(plan, 'system', '2025-06-30').covered).toBe(true);
    expect(coverageOn(plan, 'system', '2030-06-29').covered).toBe(true);
    expect(coverageOn(plan, 'system', '2030-06-30').covered).toBe(false);
  });
});

describe('coverage from the sale (fifth document: 1 year from the day of sale)', () => {
  const sold = replay(
    registered({ saleDate: '2025-03-10', acceptedAt: '2025-03-12', coverages: [{ category: 'appliance', startsFrom: 'sale', years: 1 }] }),
  );

  it('starts on the sale day and ends the day before its anniversary', () => {
    expect(sold.coverages[0]).toMatchObject({ start: '2025-03-10', end: '2026-03-09' });
    expect(coverageOn(sold, 'appliance', '2025-03-10').covered).toBe(true);
    expect(coverageOn(sold, 'appliance', '2025-03-09').covered).toBe(false);
    expect(coverageOn(sold, 'appliance', '2026-03-10').covered).toBe(false);
  });

  it('counts months with the month-end rule', () => {
    const monthly = replay(registered({ saleDate: '2025-01-31', coverages: [{ category: 'battery', startsFrom: 'sale', months: 1 }] }));
    expect(monthly.coverages[0]).toMatchObject({ start: '2025-01-31', end: '2025-02-28' });
  });
});

describe('extensions (with approval)', () => {
  it('push the end by their years or months, recomputed from the start', () => {
    const asset = replay(registered(), extended('other', { years: 1 }), extended('other', { months: 6 }));
    expect(asset.coverages[1]).toMatchObject({ start: '2025-07-01', end: '2028-12-31', months: 24 });
    expect(asset.coverages[1]!.extensions.map((e) => e.months)).toEqual([12, 6]);
    expect(asset.coverages[0]!.end).toBe('2030-06-30');
  });

  it('do not compound month-end clamping', () => {
    const asset = replay(
      registered({ acceptedAt: '2025-01-30', coverages: [{ category: 'x', startsFrom: 'acceptance', months: 1 }] }),
      extended('x', { months: 1 }),
    );
    expect(asset.coverages[0]).toMatchObject({ start: '2025-01-31', end: '2025-03-30' });
  });
});

describe('coverage years', () => {
  it('count from the earliest start to the latest end', () => {
    const asset = replay(registered());
    expect(coverageSpan(asset)).toEqual({ start: '2025-07-01', end: '2030-06-30' });
    expect(coverageYears(asset)).toEqual([
      { year: 1, from: '2025-07-01', to: '2026-06-30' },
      { year: 2, from: '2026-07-01', to: '2027-06-30' },
      { year: 3, from: '2027-07-01', to: '2028-06-30' },
      { year: 4, from: '2028-07-01', to: '2029-06-30' },
      { year: 5, from: '2029-07-01', to: '2030-06-30' },
    ]);
    expect(coverageYearOf(asset, '2026-07-01')?.year).toBe(2);
    expect(coverageYearOf(asset, '2030-07-01')).toBeNull();
  });

  it('end with a short year when an extension ends mid-year', () => {
    const asset = replay(registered({ coverages: [{ category: 'other', startsFrom: 'acceptance', months: 18 }] }));
    expect(coverageYears(asset)).toEqual([
      { year: 1, from: '2025-07-01', to: '2026-06-30' },
      { year: 2, from: '2026-07-01', to: '2026-12-31' },
    ]);
  });
});

describe('inspectionsDue', () => {
  it('before coverage starts, nothing is due', () => {
    expect(inspectionsDue(replay(registered()), '2025-06-30')).toEqual({ years: [], current: null, nextDueOn: null, overdue: false });
    expect(inspectionsDue(initialAssetState(), '2026-01-01')).toEqual({ years: [], current: null, nextDueOn: null, overdue: false });
  });

  it('in the first year without an inspection: due at the end of the year, not overdue', () => {
    const due = inspectionsDue(replay(registered()), '2026-06-30');
    expect(due.current).toEqual({ year: 1, from: '2025-07-01', to: '2026-06-30', granted: 1, done: 0, remaining: 1, dueOn: '2026-06-30', overdue: false });
    expect(due).toMatchObject({ nextDueOn: '2026-06-30', overdue: false });
  });

  it('a year that ended without its inspection is overdue and comes first', () => {
    const due = inspectionsDue(replay(registered()), '2026-07-01');
    expect(due.years.map((y) => [y.year, y.overdue])).toEqual([[1, true], [2, false]]);
    expect(due).toMatchObject({ nextDueOn: '2026-06-30', overdue: true, current: { year: 2, dueOn: '2027-06-30' } });
  });

  it('counts recorded inspections and inspection tickets once each, in their own year', () => {
    const asset = replay(
      registered(),
      inspected('2026-03-01'),
      consumed('inspection', 'T-9', on('2026-08-01'), 2),
      inspected('2026-08-02', on('2026-08-02'), 'T-9'),
    );
    const due = inspectionsDue(asset, '2027-01-01');
    expect(due.years.map((y) => [y.year, y.done, y.remaining])).toEqual([[1, 1, 0], [2, 1, 0]]);
    expect(due).toMatchObject({ nextDueOn: null, overdue: false });
  });

  it('after coverage ends there is no current year, and the past stays visible', () => {
    const due = inspectionsDue(replay(registered()), '2031-01-01');
    expect(due.years).toHaveLength(5);
    expect(due).toMatchObject({ current: null, overdue: true, nextDueOn: '2026-06-30' });
  });

  it('grants nothing with no yearly inspections', () => {
    const asset = replay(registered({ entitlements: { relocation: 0, rebuild: 0, inspectionsPerYear: 0 } }));
    expect(inspectionsDue(asset, '2027-01-01')).toMatchObject({ nextDueOn: null, overdue: false, current: { granted: 0, remaining: 0 } });
  });
});

describe('entitlementsOf', () => {
  it('lists granted, used and remaining, inspections for the current year', () => {
    const asset = replay(registered(), consumed('relocation', 'T-1', on('2025-08-01')), inspected('2025-09-01'));
    expect(entitlementsOf(asset, '2026-01-01')).toEqual({
      relocation: { granted: 1, used: 1, remaining: 0 },
      rebuild: { granted: 1, used: 0, remaining: 1 },
      inspection: { granted: 1, used: 1, remaining: 0, year: 1 },
    });
    expect(entitlementsOf(asset, '2026-07-01').inspection).toEqual({ granted: 1, used: 0, remaining: 1, year: 2 });
    expect(entitlementsOf(asset, '2030-07-01').inspection).toEqual({ granted: 0, used: 0, remaining: 0, year: null });
    expect(entitlementsOf(initialAssetState(), '2026-01-01').relocation).toEqual({ granted: 0, used: 0, remaining: 0 });
  });
});
