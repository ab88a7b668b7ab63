import type { AssetEvent, AssetRegistered, ScheduleEvent } from './asset-events';
import { addDays, localDate } from './calendar-date';
import { initialAssetState, type Asset, type AssetState } from './asset-state';
import { evolveAsset } from './evolve-asset';
import { localMidnight, nextScheduleDue, owedScheduleEvents, scheduleItems, scheduleKey, scheduleStatus, type ScheduleOptions } from './schedule';
import { scheduleTicketId } from './schedule-tickets';
import { consumed, inspected, on, registered, replay } from './testing/asset-spec';

/** Runs the schedule day by day from `from` to `to` (local dates), appending what is owed each day. */
function follow(state: AssetState, from: string, to: string, options?: ScheduleOptions) {
  const raised: ScheduleEvent[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const owed = owedScheduleEvents(state, day, options);
    raised.push(...owed);
    state = owed.reduce<AssetState>(evolveAsset, state);
  }
  return { raised, state };
}

const brief = (events: readonly ScheduleEvent[]) => events.map((e) => `${e.type} ${e.data.dueOn}`);

/** The asset: accepted 2023-01-10 in Shanghai, one inspection a year, two years of general coverage. */
const shanghai = (overrides: Partial<AssetRegistered['data']> = {}) =>
  registered({
    acceptedAt: '2023-01-10',
    timeZone: 'Asia/Shanghai',
    coverages: [{ category: 'general', startsFrom: 'acceptance', years: 2 }],
    entitlements: { relocation: 0, rebuild: 0, inspectionsPerYear: 1 },
    at: '2023-01-10T02:00:00.000Z',
    ...overrides,
  });

describe('the schedule of an asset accepted 2023-01-10 in Asia/Shanghai (coverage 2023-01-11 .. 2025-01-10)', () => {
  const expected = [
    'InspectionDue 2023-01-11',
    'InspectionOverdue 2024-01-11',
    'InspectionDue 2024-01-11',
    'CoverageEnding 2024-12-11',
    'CoverageEnding 2025-01-03',
    'InspectionOverdue 2025-01-11',
    'CoverageEnded 2025-01-11',
  ];

  it('followed day by day to 2025-02-01: each event once, on its day, one InspectionOverdue per missed year', () => {
    const { raised, state } = follow(replay(shanghai()), '2023-01-10', '2025-02-01');
    expect(brief(raised)).toEqual(expected);
    expect(owedScheduleEvents(state, '2025-02-01')).toEqual([]);
    expect(nextScheduleDue(state)).toBeNull();
  });

  it('after downtime, everything owed at once in time order, the same events', () => {
    const owed = owedScheduleEvents(replay(shanghai()), '2025-02-01');
    expect(brief(owed)).toEqual(expected);
  });

  it('dates each event at local midnight in Shanghai (16:00 UTC the day before)', () => {
    const [first] = owedScheduleEvents(replay(shanghai()), '2023-01-11');
    expect(first).toEqual({
      type: 'InspectionDue',
      data: { dueOn: '2023-01-11', at: '2023-01-10T16:00:00.000Z', year: 1, windowFrom: '2023-01-11', windowTo: '2024-01-10', remaining: 1 },
    });
    expect(owedScheduleEvents(replay(shanghai()), '2023-01-10')).toEqual([]);
  });

  it('inspections done (recorded, or a ticket that used the year\'s entitlement) owe neither due nor overdue, even when known late', () => {
    const asset = replay(shanghai(), inspected('2023-06-01'), consumed('inspection', 'T-9', on('2024-03-01'), 2));
    expect(brief(owedScheduleEvents(asset, '2025-02-01'))).toEqual([
      'CoverageEnding 2024-12-11',
      'CoverageEnding 2025-01-03',
      'CoverageEnded 2025-01-11',
    ]);
  });

  it('the next due date is the earliest not received; a past one while events are owed', () => {
    expect(nextScheduleDue(replay(shanghai()))).toEqual({ dueOn: '2023-01-11', at: '2023-01-10T16:00:00.000Z' });
    const { state } = follow(replay(shanghai()), '2023-01-10', '2024-06-01');
    expect(nextScheduleDue(state)).toEqual({ dueOn: '2024-12-11', at: '2024-12-10T16:00:00.000Z' });
  });

  it('the coverage notices take their days from the options', () => {
    const owed = owedScheduleEvents(replay(shanghai()), '2025-02-01', { coverageEndingDays: [60, 1], revisitGraceDays: 7 });
    expect(brief(owed).filter((e) => e.startsWith('Coverage'))).toEqual(['CoverageEnding 2024-11-11', 'CoverageEnding 2025-01-09', 'CoverageEnded 2025-01-11']);
  });

  it('schedule events do not move lastEventAt: a command dated before them is still accepted', () => {
    const { state } = follow(replay(shanghai()), '2023-01-10', '2025-02-01');
    expect((state as Asset).lastEventAt).toBe('2023-01-10T02:00:00.000Z');
    expect((state as Asset).schedule.map((r) => r.key)).toContain('CoverageEnded:general:2025-01-10');
  });
});

describe('leap years and month ends', () => {
  it('a window starting on 29 February: years run 2024-02-29 .. 2025-02-28, then 2025-03-01 .. 2026-02-28', () => {
    const asset = replay(
      registered({
        acceptedAt: '2024-02-28',
        coverages: [{ category: 'other', startsFrom: 'acceptance', years: 2 }],
        entitlements: { relocation: 0, rebuild: 0, inspectionsPerYear: 1 },
        at: on('2024-02-28'),
      }),
    );
    expect(brief(follow(asset, '2024-02-28', '2026-03-31').raised)).toEqual([
      'InspectionDue 2024-02-29',
      'InspectionOverdue 2025-03-01',
      'InspectionDue 2025-03-01',
      'CoverageEnding 2026-01-29',
      'CoverageEnding 2026-02-21',
      'InspectionOverdue 2026-03-01',
      'CoverageEnded 2026-03-01',
    ]);
  });

  it('accepted on the last day of a month (2024-01-31): one month runs to 2024-02-29; a notice before the start is left out', () => {
    const asset = replay(
      registered({
        acceptedAt: '2024-01-31',
        coverages: [{ category: 'other', startsFrom: 'acceptance', months: 1 }],
        entitlements: { relocation: 0, rebuild: 0, inspectionsPerYear: 0 },
        at: on('2024-01-31'),
      }),
    );
    expect(asset.coverages[0]).toMatchObject({ start: '2024-02-01', end: '2024-02-29' });
    // 30 days before 2024-02-29 is 2024-01-30, before the coverage starts: no such notice.
    expect(brief(owedScheduleEvents(asset, '2024-12-31'))).toEqual(['CoverageEnding 2024-02-22', 'CoverageEnded 2024-03-01']);
  });

  it('accepted on the last day of February in a common year (2023-02-28): from 2023-03-01, two years to 2025-02-28', () => {
    const asset = replay(
      registered({ acceptedAt: '2023-02-28', coverages: [{ category: 'other', startsFrom: 'acceptance', years: 2 }], at: on('2023-02-28') }),
    );
    expect(brief(owedScheduleEvents(asset, '2025-12-31')).filter((e) => e.startsWith('Coverage'))).toEqual([
      'CoverageEnding 2025-01-29',
      'CoverageEnding 2025-02-21',
      'CoverageEnded 2025-03-01',
    ]);
  });
});

describe('time zones across the date line', () => {
  const onZone = (timeZone: string) =>
    replay(
      registered({
        acceptedAt: '2025-06-30',
        timeZone,
        coverages: [{ category: 'other', startsFrom: 'acceptance', years: 1 }],
        entitlements: { relocation: 0, rebuild: 0, inspectionsPerYear: 1 },
        at: '2025-06-29T12:00:00.000Z',
      }),
    );

  it('local midnight of the same date is 25 hours apart in Kiritimati (UTC+14) and Pago Pago (UTC-11)', () => {
    expect(localMidnight('2025-07-01', 'Pacific/Kiritimati')).toBe('2025-06-30T10:00:00.000Z');
    expect(localMidnight('2025-07-01', 'Pacific/Pago_Pago')).toBe('2025-07-01T11:00:00.000Z');
    expect(nextScheduleDue(onZone('Pacific/Kiritimati'))?.at).toBe('2025-06-30T10:00:00.000Z');
  });

  it('at one instant, the first inspection is due on one side of the line and not yet on the other', () => {
    const instant = '2025-06-30T12:00:00.000Z';
    const kiritimati = onZone('Pacific/Kiritimati');
    const pagoPago = onZone('Pacific/Pago_Pago');
    expect(brief(owedScheduleEvents(kiritimati, localDate(instant, 'Pacific/Kiritimati')))).toEqual(['InspectionDue 2025-07-01']);
    expect(owedScheduleEvents(pagoPago, localDate(instant, 'Pacific/Pago_Pago'))).toEqual([]);
  });

  it('local midnight where a DST change skips it (America/Santiago, 2024-09-08) is the first instant of the day', () => {
    // Clocks go from 00:00 to 01:00 at 04:00 UTC: the day begins at 01:00 -03, 04:00 UTC.
    expect(localMidnight('2024-09-08', 'America/Santiago')).toBe('2024-09-08T04:00:00.000Z');
    expect(localDate('2024-09-08T04:00:00.000Z', 'America/Santiago')).toBe('2024-09-08');
  });
});

describe('revisits', () => {
  const planned = (dueOn: string, at = on('2025-07-02')): AssetEvent => ({ type: 'RevisitPlanned', data: { dueOn, purpose: 'check the seals', at } });
  const done = (plannedDueOn: string, at: string): AssetEvent => ({ type: 'RevisitDone', data: { plannedDueOn, by: 'eng-1', outcome: 'dry', at } });
  const base = () => registered({ coverages: [], entitlements: { relocation: 0, rebuild: 0, inspectionsPerYear: 0 } });

  it('due on the planned date, overdue after the grace when no revisit was recorded', () => {
    const asset = replay(base(), planned('2025-08-01'));
    expect(brief(owedScheduleEvents(asset, '2025-07-31'))).toEqual([]);
    expect(brief(owedScheduleEvents(asset, '2025-08-07'))).toEqual(['RevisitDue 2025-08-01']);
    expect(owedScheduleEvents(asset, '2025-08-08')[1]).toMatchObject({ type: 'RevisitOverdue', data: { plan: 1, plannedDueOn: '2025-08-01', graceDays: 7, dueOn: '2025-08-08' } });
    expect(brief(owedScheduleEvents(asset, '2025-08-03', { coverageEndingDays: [], revisitGraceDays: 2 }))).toEqual(['RevisitDue 2025-08-01', 'RevisitOverdue 2025-08-03']);
  });

  it('a revisit done for the plan ends it: nothing more owed', () => {
    const asset = replay(base(), planned('2025-08-01'), done('2025-08-01', on('2025-08-02')));
    expect(owedScheduleEvents(asset, '2025-12-31')).toEqual([]);
  });

  it('two plans on the same date are two obligations; the revisit done fulfils the first', () => {
    const asset = replay(base(), planned('2025-08-01'), planned('2025-08-01'), done('2025-08-01', on('2025-08-02')));
    expect(owedScheduleEvents(asset, '2025-08-09').map((e) => scheduleKey(e))).toEqual(['RevisitDue:2', 'RevisitOverdue:2']);
  });
});

describe('what is not owed', () => {
  it('nothing dated before the asset was registered: a late registration starts its schedule on the day it is recorded', () => {
    const late = replay(shanghai({ at: '2024-06-01T02:00:00.000Z' }));
    expect(brief(owedScheduleEvents(late, '2025-02-01'))).toEqual([
      'CoverageEnding 2024-12-11',
      'CoverageEnding 2025-01-03',
      'InspectionOverdue 2025-01-11',
      'CoverageEnded 2025-01-11',
    ]);
  });

  it('an extension owes the notices of the new end, none dated before it was recorded; the old end passes unnoticed', () => {
    const extended: AssetEvent = {
      type: 'CoverageExtended',
      data: { category: 'general', months: 1, approvedBy: 'manufacturer', reason: 'goodwill', at: '2024-12-20T02:00:00.000Z' },
    };
    const { raised, state } = follow(replay(shanghai()), '2023-01-10', '2024-12-19');
    expect(brief(raised).filter((e) => e.startsWith('Coverage'))).toEqual(['CoverageEnding 2024-12-11']);
    const after = evolveAsset(state, extended);
    // The new end is 2025-02-10: its 30-day notice (2025-01-11) comes; the old 7-day notice does not.
    expect(brief(follow(after, '2024-12-20', '2025-03-01').raised).filter((e) => e.startsWith('Coverage'))).toEqual([
      'CoverageEnding 2025-01-11',
      'CoverageEnding 2025-02-03',
      'CoverageEnded 2025-02-11',
    ]);
  });

  it('no asset, no schedule', () => {
    expect(owedScheduleEvents(initialAssetState(), '2030-01-01')).toEqual([]);
    expect(nextScheduleDue(initialAssetState())).toBeNull();
  });
});

describe('what the schedule view lists', () => {
  it('received events and those to come, each with the status of its obligation on a day', () => {
    const { state } = follow(replay(shanghai(), consumed('inspection', 'T-7', on('2023-03-01'), 1)), '2023-01-10', '2024-06-01');
    const items = scheduleItems(state as Asset);
    const on20240601 = items.map((i) => `${i.event.type} ${i.dueOn} ${scheduleStatus(i, '2024-06-01')} ${i.received} ${i.ticketId ?? '-'}`);
    // Year 1's inspection was used by ticket T-7: nothing of year 1 is listed, it was never owed.
    expect(on20240601).toEqual([
      'InspectionDue 2024-01-11 due true -',
      'CoverageEnding 2024-12-11 due false -',
      'CoverageEnding 2025-01-03 due false -',
      'InspectionOverdue 2025-01-11 due false -',
      'CoverageEnded 2025-01-11 due false -',
    ]);
    const later = items.map((i) => `${i.event.type} ${scheduleStatus(i, '2025-01-11')}`);
    expect(later).toContain('InspectionOverdue overdue');
    expect(later).toContain('CoverageEnded done');
  });

  it('an inspection due that a ticket then answered is done, with that ticket', () => {
    const { state } = follow(replay(shanghai()), '2023-01-10', '2023-02-01');
    const answered = evolveAsset(state, consumed('inspection', 'T-8', on('2023-02-02'), 1)) as Asset;
    const [first] = scheduleItems(answered);
    expect([first.event.type, first.received, scheduleStatus(first, '2024-06-01'), first.ticketId]).toEqual(['InspectionDue', true, 'done', 'T-8']);
  });

  it('a revisit is due through its grace, overdue after, done once recorded', () => {
    const plan: AssetEvent = { type: 'RevisitPlanned', data: { dueOn: '2025-08-01', purpose: 'seals', at: on('2025-07-02') } };
    const asset = replay(registered({ coverages: [] }), plan);
    const [due] = scheduleItems(asset);
    expect(due.deadline).toBe('2025-08-07');
    expect(scheduleStatus(due, '2025-08-07')).toBe('due');
    expect(scheduleStatus(due, '2025-08-08')).toBe('overdue');
    const visited = replay(registered({ coverages: [] }), plan, { type: 'RevisitDone', data: { plannedDueOn: '2025-08-01', by: 'eng-1', outcome: 'dry', at: on('2025-08-09') } });
    // Done and never received: nothing left to list.
    expect(scheduleItems(visited)).toEqual([]);
  });
});

describe('the first visit', () => {
  const visit = (at: string): AssetEvent => ({ type: 'RevisitDone', data: { by: 'eng-1', outcome: 'all well', at } });

  it('accepted on the last day of a month (2024-01-31), 30 days after: due 2024-03-01 (a leap February), at local midnight, once', () => {
    const asset = replay(shanghai({ acceptedAt: '2024-01-31', at: '2024-01-31T02:00:00.000Z', firstVisit: { afterDays: 30, from: 'acceptance' } }));
    expect(owedScheduleEvents(asset, '2024-02-29').filter((e) => e.type === 'FirstVisitDue')).toEqual([]);
    const { raised } = follow(asset, '2024-01-31', '2024-12-31');
    const firstVisits = raised.filter((e) => e.type === 'FirstVisitDue');
    expect(firstVisits).toEqual([
      { type: 'FirstVisitDue', data: { dueOn: '2024-03-01', at: '2024-02-29T16:00:00.000Z', from: 'acceptance', fromDate: '2024-01-31', afterDays: 30 } },
    ]);
  });

  it('the same wait in a common year (accepted 2023-01-31) falls on 2 March', () => {
    const asset = replay(shanghai({ acceptedAt: '2023-01-31', at: '2023-01-31T02:00:00.000Z', firstVisit: { afterDays: 30, from: 'acceptance' } }));
    expect(brief(follow(asset, '2023-01-31', '2023-06-01').raised.filter((e) => e.type === 'FirstVisitDue'))).toEqual(['FirstVisitDue 2023-03-02']);
  });

  it('counts from the sale when asked, in the asset\'s zone', () => {
    const asset = replay(
      shanghai({ saleDate: '2023-01-05', timeZone: 'Europe/Berlin', firstVisit: { afterDays: 7, from: 'sale' } }),
    );
    const [due] = owedScheduleEvents(asset, '2023-01-12').filter((e) => e.type === 'FirstVisitDue');
    expect(due).toMatchObject({ data: { dueOn: '2023-01-12', at: '2023-01-11T23:00:00.000Z', from: 'sale', fromDate: '2023-01-05' } });
  });

  it('is not owed without a firstVisit, nor once a revisit was recorded before its day', () => {
    expect(follow(replay(shanghai()), '2023-01-10', '2025-02-01').raised.some((e) => e.type === 'FirstVisitDue')).toBe(false);
    const visited = replay(shanghai({ firstVisit: { afterDays: 30, from: 'acceptance' } }), visit(on('2023-02-01')));
    expect(follow(visited, '2023-01-10', '2023-12-31').raised.some((e) => e.type === 'FirstVisitDue')).toBe(false);
  });

  it('is listed as a revisit: due through the grace, overdue after, done once a revisit is recorded', () => {
    const asset = replay(shanghai({ firstVisit: { afterDays: 30, from: 'acceptance' } }));
    const { state } = follow(asset, '2023-01-10', '2023-02-09');
    const item = scheduleItems(state as Asset).find((i) => i.event.type === 'FirstVisitDue')!;
    expect([item.kind, item.dueOn, item.received, item.deadline]).toEqual(['revisit', '2023-02-09', true, '2023-02-15']);
    expect(scheduleStatus(item, '2023-02-15')).toBe('due');
    expect(scheduleStatus(item, '2023-02-16')).toBe('overdue');
    const done = evolveAsset(state, visit(on('2023-02-20'))) as Asset;
    expect(scheduleStatus(scheduleItems(done).find((i) => i.event.type === 'FirstVisitDue')!, '2023-03-01')).toBe('done');
  });
});

describe('tickets the schedule reports', () => {
  const plan: AssetEvent = { type: 'RevisitPlanned', data: { dueOn: '2025-08-01', purpose: 'seals', at: on('2025-07-02') } };

  it('a revisit asset with autoTickets revisit lists the ticket of its plan once RevisitDue was received, the same id every time', () => {
    const asset = replay(registered({ coverages: [], autoTickets: ['revisit'] }), plan);
    expect(scheduleItems(asset)[0].ticketId).toBeNull();
    const { state } = follow(asset, '2025-07-02', '2025-08-01');
    const [due] = scheduleItems(state as Asset);
    expect(due.ticketId).toBe(scheduleTicketId(asset.assetId, 'RevisitDue:1'));
    expect(due.ticketId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(scheduleTicketId(asset.assetId, 'RevisitDue:2')).not.toBe(due.ticketId);
    expect(scheduleTicketId('another-asset', 'RevisitDue:1')).not.toBe(due.ticketId);
  });

  it('without autoTickets no ticket is listed for a revisit', () => {
    const { state } = follow(replay(registered({ coverages: [] }), plan), '2025-07-02', '2025-08-01');
    expect(scheduleItems(state as Asset)[0].ticketId).toBeNull();
  });
});
