import { DAY_MS, instantOfWallTime } from '../sla/zoned-time';
import type { IsoInstant } from '../business-time';
import { addDays, dayNumber, localDate, type CalendarDate } from './calendar-date';
import type { ScheduleEvent } from './asset-events';
import type { Asset, AssetState } from './asset-state';
import { coverageYears } from './coverage';
import { inspectionsDoneIn } from './inspections';
import { scheduleTicketId } from './schedule-tickets';

/**
 * The asset's schedule: the dates its archive promises something on, as events owed when they
 * fall due. Pure: the asset as its events leave it, a local date, the options; the follower in
 * the API appends what `owedScheduleEvents` answers.
 *
 * - `InspectionDue` on the first day of each coverage year with inspections left, and
 *   `InspectionOverdue` the day after it ends with inspections not done (see `coverageYears`).
 * - `RevisitDue` on a planned revisit's date, `RevisitOverdue` `revisitGraceDays` after it
 *   when the plan has no revisit recorded.
 * - `FirstVisitDue` `firstVisit.afterDays` after the acceptance (or the sale) when the asset asks
 *   for a first visit and no revisit was recorded before it; met by the first revisit recorded.
 * - `CoverageEnding` `coverageEndingDays` before each category's last day, `CoverageEnded` the
 *   day after it. An extension moves the end: the notices of the new end are owed afresh, but
 *   none dated before the extension was recorded (the new end was not known then).
 *
 * Nothing is owed for a date before the asset was registered (its local date): a backdated
 * registration starts its schedule from the day it was recorded, not with a flood of old news.
 * Conditions (inspections left, revisit not done) are judged on the asset as it is now, so a
 * fact recorded late keeps a notice it makes untrue from being raised.
 */
export type ScheduleOptions = Readonly<{
  /** Days before a coverage's last day that `CoverageEnding` is owed on. */
  coverageEndingDays: readonly number[];
  /** Days after a planned revisit's date that `RevisitOverdue` is owed on. */
  revisitGraceDays: number;
}>;

export const DEFAULT_SCHEDULE_OPTIONS: ScheduleOptions = { coverageEndingDays: [30, 7], revisitGraceDays: 7 };

/** What a schedule event is about, as the view groups them (a first visit is a follow-up visit: `revisit`). */
export type ScheduleKind = 'inspection' | 'revisit' | 'coverage';
export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['inspection', 'revisit', 'coverage'];

/**
 * One entry of the schedule: the event it calls for (owed or not), whether its condition holds
 * on the asset now, and what the view needs to tell its status.
 */
export type ScheduleEntry = Readonly<{
  key: string;
  kind: ScheduleKind;
  dueOn: CalendarDate;
  event: ScheduleEvent;
  /** Whether the event is owed once its date comes (inspections left, revisit not done). */
  applies: boolean;
  /** Whether the obligation is met: the year's inspections done, the revisit done. */
  done: boolean;
  /** The last day the obligation may be met on time (the year's last day, the revisit's grace); a coverage's last day. */
  deadline: CalendarDate | null;
  /** The ticket that answered the obligation or that the schedule reported for it (an inspection ticket of the year, a revisit's ticket). */
  ticketId: string | null;
}>;

/** Events that close something come before those that open something on the same day. */
const ORDER: Record<ScheduleEvent['type'], number> = {
  InspectionOverdue: 0,
  RevisitOverdue: 1,
  CoverageEnded: 2,
  CoverageEnding: 3,
  InspectionDue: 4,
  RevisitDue: 5,
  FirstVisitDue: 6,
};

/** The obligation an event is about: one event per key, ever. */
export function scheduleKey(event: ScheduleEvent): string {
  switch (event.type) {
    case 'InspectionDue':
      return `InspectionDue:${event.data.year}:${event.data.windowFrom}`;
    case 'InspectionOverdue':
      return `InspectionOverdue:${event.data.year}:${event.data.windowFrom}:${event.data.windowTo}`;
    case 'RevisitDue':
    case 'RevisitOverdue':
      return `${event.type}:${event.data.plan}`;
    case 'FirstVisitDue':
      return 'FirstVisitDue';
    case 'CoverageEnding':
      return `CoverageEnding:${event.data.category}:${event.data.end}:${event.data.daysBefore}`;
    case 'CoverageEnded':
      return `CoverageEnded:${event.data.category}:${event.data.end}`;
    default: {
      const _never: never = event;
      return _never;
    }
  }
}

export function scheduleKindOf(type: ScheduleEvent['type']): ScheduleKind {
  if (type.startsWith('Inspection')) return 'inspection';
  if (type.startsWith('Revisit') || type === 'FirstVisitDue') return 'revisit';
  return 'coverage';
}

/** Local midnight of a date in a zone, as an instant (just after the gap where midnight is skipped). */
export function localMidnight(date: CalendarDate, timeZone: string): IsoInstant {
  return new Date(instantOfWallTime(timeZone, dayNumber(date) * DAY_MS)).toISOString();
}

/** Every entry of the asset's schedule, whatever its date, in time order. */
export function scheduleOf(asset: Asset, options: ScheduleOptions = DEFAULT_SCHEDULE_OPTIONS): ScheduleEntry[] {
  const zone = asset.timeZone;
  const due = (dueOn: CalendarDate) => ({ dueOn, at: localMidnight(dueOn, zone) });
  const entries: ScheduleEntry[] = [];
  const add = (event: ScheduleEvent, rest: Omit<ScheduleEntry, 'key' | 'kind' | 'dueOn' | 'event'>) =>
    entries.push({ key: scheduleKey(event), kind: scheduleKindOf(event.type), dueOn: event.data.dueOn, event, ...rest });

  const granted = asset.entitlements.inspectionsPerYear;
  if (granted > 0) {
    for (const year of coverageYears(asset)) {
      const done = inspectionsDoneIn(asset, year);
      const remaining = Math.max(0, granted - done);
      const window = { year: year.year, windowFrom: year.from, windowTo: year.to };
      const ticketId = inspectionTicketOf(asset, year.year, year.from, year.to);
      const common = { done: remaining === 0, deadline: year.to, ticketId, applies: remaining > 0 };
      add({ type: 'InspectionDue', data: { ...due(year.from), ...window, remaining } }, common);
      add({ type: 'InspectionOverdue', data: { ...due(addDays(year.to, 1)), ...window, missing: remaining } }, common);
    }
  }

  const autoRevisit = (asset.autoTickets ?? []).includes('revisit');
  const received = new Set(asset.schedule.map((record) => record.key));
  asset.revisitPlans.forEach((plan, index) => {
    // On time through the day before RevisitOverdue falls (the planned date itself with no grace).
    const dueKey = `RevisitDue:${index + 1}`;
    const ticketId = autoRevisit && received.has(dueKey) ? scheduleTicketId(asset.assetId, dueKey) : null;
    const common = { done: plan.done !== null, deadline: addDays(plan.dueOn, options.revisitGraceDays - 1), ticketId, applies: plan.done === null };
    const ids = { plan: index + 1, plannedDueOn: plan.dueOn };
    add({ type: 'RevisitDue', data: { ...due(plan.dueOn), ...ids, purpose: plan.purpose } }, common);
    add({ type: 'RevisitOverdue', data: { ...due(addDays(plan.dueOn, options.revisitGraceDays)), ...ids, graceDays: options.revisitGraceDays } }, common);
  });

  const firstVisit = asset.firstVisit ?? null;
  const fromDate = firstVisit && (firstVisit.from === 'sale' ? asset.saleDate : asset.acceptedAt);
  if (firstVisit && fromDate) {
    // Any revisit recorded is the first visit; one recorded before the date leaves nothing to announce.
    const done = asset.revisits.length > 0;
    const dueOn = addDays(fromDate, firstVisit.afterDays);
    add(
      { type: 'FirstVisitDue', data: { ...due(dueOn), from: firstVisit.from, fromDate, afterDays: firstVisit.afterDays } },
      { done, deadline: addDays(dueOn, options.revisitGraceDays - 1), ticketId: null, applies: !done },
    );
  }

  for (const coverage of asset.coverages) {
    const { category, end } = coverage;
    const lastExtension = coverage.extensions[coverage.extensions.length - 1];
    const known = lastExtension ? localDate(lastExtension.at, zone) : null;
    for (const daysBefore of [...new Set(options.coverageEndingDays)].sort((a, b) => b - a)) {
      const dueOn = addDays(end, -daysBefore);
      // A notice before the coverage starts, or before its end was known, says nothing true.
      if (dueOn < coverage.start || (known !== null && dueOn < known)) continue;
      add({ type: 'CoverageEnding', data: { ...due(dueOn), category, end, daysBefore } }, { done: false, deadline: end, ticketId: null, applies: true });
    }
    add({ type: 'CoverageEnded', data: { ...due(addDays(end, 1)), category, end } }, { done: false, deadline: end, ticketId: null, applies: true });
  }

  return entries.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : ORDER[a.event.type] - ORDER[b.event.type] || (a.key < b.key ? -1 : 1)));
}

/** Entries the asset may still be owed: they apply, were not received, and fall on or after the registration day. */
function pending(asset: Asset, options: ScheduleOptions): ScheduleEntry[] {
  const received = new Set(asset.schedule.map((record) => record.key));
  const registeredOn = localDate(asset.registeredAt, asset.timeZone);
  return scheduleOf(asset, options).filter((entry) => entry.applies && !received.has(entry.key) && entry.dueOn >= registeredOn);
}

/**
 * What the schedule view lists: every entry received, and every one still to come (or owed now),
 * in time order. An entry that will never be owed (its inspection done before it, a notice of an
 * end an extension moved) is left out.
 */
export function scheduleItems(asset: Asset, options: ScheduleOptions = DEFAULT_SCHEDULE_OPTIONS): Array<ScheduleEntry & { received: boolean }> {
  const received = new Set(asset.schedule.map((record) => record.key));
  const waiting = new Set(pending(asset, options).map((entry) => entry.key));
  return scheduleOf(asset, options)
    .filter((entry) => received.has(entry.key) || waiting.has(entry.key))
    .map((entry) => ({ ...entry, received: received.has(entry.key) }));
}

/**
 * An entry's status on `today`: `done` once met (a coverage once it has ended), `overdue` after
 * its deadline unmet, `due` otherwise.
 */
export function scheduleStatus(entry: Pick<ScheduleEntry, 'kind' | 'done' | 'deadline'>, today: CalendarDate): 'due' | 'done' | 'overdue' {
  const past = entry.deadline !== null && today > entry.deadline;
  if (entry.kind === 'coverage') return past ? 'done' : 'due';
  if (entry.done) return 'done';
  return past ? 'overdue' : 'due';
}

/** The schedule events owed on `today` (a local date in the asset's zone), oldest first. */
export function owedScheduleEvents(state: AssetState, today: CalendarDate, options: ScheduleOptions = DEFAULT_SCHEDULE_OPTIONS): ScheduleEvent[] {
  if (state.status === 'none') return [];
  return pending(state, options)
    .filter((entry) => entry.dueOn <= today)
    .map((entry) => entry.event);
}

/**
 * When the next schedule event falls due: the local date and its local midnight, the earliest of
 * the entries not yet received (a past one when events are owed now); null when none remains.
 */
export function nextScheduleDue(state: AssetState, options: ScheduleOptions = DEFAULT_SCHEDULE_OPTIONS): { dueOn: CalendarDate; at: IsoInstant } | null {
  if (state.status === 'none') return null;
  const next = pending(state, options)[0];
  return next ? { dueOn: next.dueOn, at: next.event.data.at } : null;
}

/** The inspection ticket that used the year's entitlement, or an inspection of the year recorded with a ticket. */
function inspectionTicketOf(asset: Asset, year: number, from: CalendarDate, to: CalendarDate): string | null {
  const consumed = asset.consumptions.find((c) => c.entitlement === 'inspection' && c.year === year);
  if (consumed) return consumed.ticketId;
  const recorded = asset.inspections.find((i) => i.ticketId !== null && i.inspectedOn >= from && i.inspectedOn <= to);
  return recorded?.ticketId ?? null;
}
