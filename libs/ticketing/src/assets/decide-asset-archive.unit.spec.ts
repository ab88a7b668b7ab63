import type { AssetEvent } from './asset-events';
import { given, on, registered } from './testing/asset-spec';

const T = on('2026-01-05');
const planned = (dueOn: string, purpose = 'check the bathrooms', at = T): AssetEvent => ({ type: 'RevisitPlanned', data: { dueOn, purpose, at } });

describe('ExtendCoverage', () => {
  const extend = (data: Record<string, unknown>) =>
    ({ type: 'ExtendCoverage', data: { category: 'other', approvedBy: 'manufacturer', reason: 'goodwill', at: T, ...data } }) as never;

  it('extends a coverage by years or months, with the approver and reason', () => {
    given(registered())
      .when(extend({ years: 1 }))
      .then([{ type: 'CoverageExtended', data: { category: 'other', years: 1, approvedBy: 'manufacturer', reason: 'goodwill', at: T } }]);
    given(registered())
      .when(extend({ months: 6 }))
      .then([{ type: 'CoverageExtended', data: { category: 'other', months: 6, approvedBy: 'manufacturer', reason: 'goodwill', at: T } }]);
  });

  it('needs an approval (the dealer agreement: extensions only with approval) and a reason', () => {
    given(registered()).when(extend({ years: 1, approvedBy: undefined })).thenFails('INVALID_INPUT', 'approvedBy');
    given(registered()).when(extend({ years: 1, reason: ' ' })).thenFails('INVALID_INPUT', 'reason');
  });

  it('refuses a length that is not exactly one whole number of years or months', () => {
    given(registered()).when(extend({})).thenFails('INVALID_INPUT', 'years');
    given(registered()).when(extend({ years: 1, months: 1 })).thenFails('INVALID_INPUT', 'years');
    given(registered()).when(extend({ months: 0 })).thenFails('INVALID_INPUT', 'months');
  });

  it('refuses a category the asset does not cover by name (the other-works fallback is not extended by proxy)', () => {
    const error = given(registered()).when(extend({ category: 'tiles', years: 1 })).thenFails('UNKNOWN_CATEGORY', 'category');
    expect(error.message).toContain('waterproofing, other');
  });

  it('refuses to stretch a coverage past a hundred years', () => {
    given(registered()).when(extend({ years: 99 })).thenFails('INVALID_INPUT', 'years');
    given(registered()).when(extend({ years: 96, category: 'waterproofing' })).thenFails('INVALID_INPUT', 'years');
    expect(given(registered()).when(extend({ years: 98 })).decision.ok).toBe(true);
    expect(given(registered()).when(extend({ years: 95, category: 'waterproofing' })).decision.ok).toBe(true);
  });
});

describe('RecordDeposit', () => {
  it('records recoveries and payments of the warranty deposit', () => {
    given(registered())
      .when({ type: 'RecordDeposit', data: { kind: 'recovery', amount: 5000, reference: 'R-1', at: T } })
      .then([{ type: 'DepositRecorded', data: { kind: 'recovery', amount: 5000, reference: 'R-1', at: T } }]);
    given(registered())
      .when({ type: 'RecordDeposit', data: { kind: 'payment', amount: 1200.5, note: 'to Dry Ltd', at: T } })
      .then([{ type: 'DepositRecorded', data: { kind: 'payment', amount: 1200.5, note: 'to Dry Ltd', at: T } }]);
  });

  it.each([
    ['an unknown kind', { kind: 'refund', amount: 1 }, 'kind'],
    ['a zero amount', { kind: 'payment', amount: 0 }, 'amount'],
    ['an amount as text', { kind: 'payment', amount: '10' }, 'amount'],
    ['an empty reference', { kind: 'payment', amount: 1, reference: '' }, 'reference'],
  ])('refuses %s', (_name, data, field) => {
    given(registered()).when({ type: 'RecordDeposit', data: { ...data, at: T } } as never).thenFails('INVALID_INPUT', field);
  });
});

describe('RecordInspection', () => {
  it('records the inspection report, its findings and the ticket it answered', () => {
    given(registered())
      .when({ type: 'RecordInspection', data: { inspectedOn: '2026-01-04', by: 'eng-1', report: 'no leaks', findings: ['grout worn'], ticketId: 'T-3', at: T } })
      .then([{ type: 'InspectionRecorded', data: { inspectedOn: '2026-01-04', by: 'eng-1', report: 'no leaks', findings: ['grout worn'], ticketId: 'T-3', at: T } }]);
  });

  it('refuses an inspection dated after today in the asset zone, and accepts today', () => {
    // now 2025-12-31T17:00Z is 2026-01-01 01:00 in Shanghai
    const now = '2025-12-31T17:00:00.000Z';
    const inspect = (inspectedOn: string) =>
      ({ type: 'RecordInspection', data: { inspectedOn, by: 'eng-1', report: 'ok', at: now } }) as const;
    given(registered()).when(inspect('2026-01-01'), now).then([{ type: 'InspectionRecorded', data: { inspectedOn: '2026-01-01', by: 'eng-1', report: 'ok', at: now } }]);
    given(registered()).when(inspect('2026-01-02'), now).thenFails('AT_IN_FUTURE', 'inspectedOn');
  });

  it.each([
    ['no date', { by: 'e', report: 'r' }, 'inspectedOn'],
    ['no report', { inspectedOn: '2026-01-01', by: 'e' }, 'report'],
    ['an empty finding', { inspectedOn: '2026-01-01', by: 'e', report: 'r', findings: [''] }, 'findings[0]'],
  ])('refuses %s', (_name, data, field) => {
    given(registered()).when({ type: 'RecordInspection', data: { ...data, at: T } } as never).thenFails('INVALID_INPUT', field);
  });
});

describe('PlanRevisit and CompleteAssetRevisit', () => {
  const complete = (data: Record<string, unknown>) => ({ type: 'CompleteAssetRevisit', data: { by: 'desk-1', outcome: 'satisfied', at: T, ...data } }) as never;

  it('plans a revisit, and refuses the same open plan twice', () => {
    given(registered()).when({ type: 'PlanRevisit', data: { dueOn: '2026-03-01', purpose: 'check the bathrooms', at: T } }).then([planned('2026-03-01')]);
    given(registered(), planned('2026-03-01'))
      .when({ type: 'PlanRevisit', data: { dueOn: '2026-03-01', purpose: 'check the bathrooms', at: T } })
      .thenFails('REVISIT_ALREADY_PLANNED', 'dueOn');
    given(registered(), planned('2026-03-01'))
      .when({ type: 'PlanRevisit', data: { dueOn: '2026-03-01', purpose: 'check the kitchen', at: T } })
      .then([planned('2026-03-01', 'check the kitchen')]);
  });

  it('completes a planned revisit by its due date, or an unplanned one', () => {
    given(registered(), planned('2026-03-01'))
      .when(complete({ plannedDueOn: '2026-03-01' }))
      .then([{ type: 'RevisitDone', data: { plannedDueOn: '2026-03-01', by: 'desk-1', outcome: 'satisfied', at: T } }]);
    given(registered()).when(complete({})).then([{ type: 'RevisitDone', data: { by: 'desk-1', outcome: 'satisfied', at: T } }]);
  });

  it('refuses to complete a plan that does not exist or is done', () => {
    given(registered()).when(complete({ plannedDueOn: '2026-03-01' })).thenFails('REVISIT_NOT_PLANNED', 'plannedDueOn');
    const done: AssetEvent = { type: 'RevisitDone', data: { plannedDueOn: '2026-03-01', by: 'x', outcome: 'y', at: T } };
    given(registered(), planned('2026-03-01'), done).when(complete({ plannedDueOn: '2026-03-01' })).thenFails('REVISIT_NOT_PLANNED');
    given(registered(), planned('2026-03-01'), done)
      .when({ type: 'PlanRevisit', data: { dueOn: '2026-03-01', purpose: 'check the bathrooms', at: T } })
      .then([planned('2026-03-01')]);
  });

  it('refuses a plan without a purpose, an outcome-less visit, a bad date', () => {
    given(registered()).when({ type: 'PlanRevisit', data: { dueOn: '2026-03-01', at: T } } as never).thenFails('INVALID_INPUT', 'purpose');
    given(registered()).when(complete({ outcome: '' })).thenFails('INVALID_INPUT', 'outcome');
    given(registered()).when(complete({ plannedDueOn: '1 March' })).thenFails('INVALID_INPUT', 'plannedDueOn');
  });
});

describe('business time on an asset', () => {
  it('refuses an at before the latest event, after the rules', () => {
    given(registered())
      .when({ type: 'RecordDeposit', data: { kind: 'recovery', amount: 1, at: on('2025-06-30') } })
      .thenFails('AT_BEFORE_LAST_EVENT', 'at');
    given(registered())
      .when({ type: 'ExtendCoverage', data: { category: 'tiles', years: 1, approvedBy: 'a', reason: 'r', at: on('2025-06-30') } })
      .thenFails('UNKNOWN_CATEGORY');
  });

  it('takes now as the default at', () => {
    const { decision } = given(registered()).when({ type: 'RecordDeposit', data: { kind: 'recovery', amount: 1 } }, '2026-02-01T08:00:00+08:00');
    expect(decision.ok && decision.events[0]!.data.at).toBe('2026-02-01T00:00:00.000Z');
  });
});
