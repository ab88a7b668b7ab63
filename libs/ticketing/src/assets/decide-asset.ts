import { MAX_CLOCK_SKEW_MS, normalizeInstant, parseInstant, type IsoInstant } from '../business-time';
import { localDate, localDateOfMs } from './calendar-date';
import { ASSET_COMMAND_TYPES, type AssetCommand, type ConsumeEntitlement, type RegisterAsset } from './asset-commands';
import { validateAssetCommand } from './asset-command-validation';
import { assetError, type AssetError, type AssetErrorCode } from './asset-errors';
import type { AssetEvent, AssetRegistered, CoverageLength } from './asset-events';
import { usedCount, type Asset, type AssetState } from './asset-state';
import { AUTO_TICKET_KINDS, DEFAULT_ASSET_TIME_ZONE, MAX_COVERAGE_MONTHS } from './asset-vocabulary';
import { coverageYearOf } from './coverage';
import { decideAssessRepair, decideRecordRepair } from './decide-repair';
import { inspectionsDoneIn } from './inspections';

export type AssetDecision = { ok: true; events: AssetEvent[] } | { ok: false; error: AssetError };

/**
 * Decides what a command means for an asset: the events to append (none for an idempotent
 * repeat), or why not. Pure: `now` is the server's time (ISO 8601), the default and upper bound
 * of `at`. Checks run in the ticket decider's order: command type and `now` -> existence ->
 * fields -> `at` parsable and not in the future -> the asset's rules -> `at` not before the
 * asset's latest event (skipped when nothing is appended, so a retry with its old `at` is a no-op).
 */
export function decideAsset(command: AssetCommand, state: AssetState, now: string): AssetDecision {
  if (!(ASSET_COMMAND_TYPES as readonly string[]).includes(command?.type)) {
    return fail('INVALID_INPUT', `unknown command type ${String(command?.type)}`, 'type');
  }
  if (typeof command.data !== 'object' || command.data === null) {
    return fail('INVALID_INPUT', `${command.type} needs a data object`, 'data');
  }
  const nowMs = parseInstant(now);
  if (nowMs === undefined) return fail('INVALID_INPUT', `now must be an ISO 8601 instant, got ${String(now)}`, 'now');

  if (command.type === 'RegisterAsset') {
    if (state.status !== 'none') {
      return fail('ASSET_ALREADY_EXISTS', `asset ${state.assetId} already exists (registered at ${state.registeredAt})`, 'assetId');
    }
    const at = checkInput(command, nowMs);
    return typeof at === 'string' ? accept(registered(command, at)) : { ok: false, error: at };
  }
  if (state.status === 'none') return fail('ASSET_NOT_FOUND', `cannot ${VERB[command.type]}: the asset is not registered`);
  const at = checkInput(command, nowMs);
  if (typeof at !== 'string') return { ok: false, error: at };

  const decision = decideOnAsset(command, state, at, nowMs);
  if (decision.ok && decision.events.length > 0 && at < state.lastEventAt) {
    return fail('AT_BEFORE_LAST_EVENT', `at ${at} is earlier than the asset's last event (${state.lastEventAt}): history cannot run backwards`, 'at');
  }
  return decision;
}

function decideOnAsset(command: Exclude<AssetCommand, RegisterAsset>, asset: Asset, at: IsoInstant, nowMs: number): AssetDecision {
  switch (command.type) {
    case 'ExtendCoverage': {
      const { category, approvedBy, reason } = command.data;
      const coverage = asset.coverages.find((c) => c.category === category);
      if (!coverage) {
        const known = asset.coverages.map((c) => c.category).join(', ');
        return fail('UNKNOWN_CATEGORY', `asset ${asset.assetId} has no ${category} coverage to extend (it covers ${known})`, 'category');
      }
      const length = lengthOf(command.data);
      const total = coverage.months + coverage.extensions.reduce((sum, e) => sum + e.months, 0) + monthsOf(length);
      if (total > MAX_COVERAGE_MONTHS) {
        return fail('INVALID_INPUT', `the ${category} coverage would last ${total} months, more than ${MAX_COVERAGE_MONTHS}`, 'years' in length ? 'years' : 'months');
      }
      return accept({ type: 'CoverageExtended', data: { category, ...length, approvedBy, reason, at } });
    }
    case 'RecordDeposit': {
      const { kind, amount, reference, note } = command.data;
      return accept({ type: 'DepositRecorded', data: { kind, amount, ...optional({ reference, note }), at } });
    }
    case 'RecordInspection': {
      const { inspectedOn, by, report, findings, ticketId } = command.data;
      const today = localDateOfMs(nowMs, asset.timeZone);
      if (inspectedOn > today) {
        return fail('AT_IN_FUTURE', `inspectedOn ${inspectedOn} is after today (${today} in ${asset.timeZone})`, 'inspectedOn');
      }
      return accept({
        type: 'InspectionRecorded',
        data: { inspectedOn, by, report, ...optional({ findings: findings && [...findings], ticketId }), at },
      });
    }
    case 'PlanRevisit': {
      const { dueOn, purpose } = command.data;
      if (asset.revisitPlans.some((p) => p.dueOn === dueOn && p.purpose === purpose && !p.done)) {
        return fail('REVISIT_ALREADY_PLANNED', `a revisit on ${dueOn} for "${purpose}" is already planned and not done`, 'dueOn');
      }
      return accept({ type: 'RevisitPlanned', data: { dueOn, purpose, at } });
    }
    case 'CompleteAssetRevisit': {
      const { plannedDueOn, by, outcome } = command.data;
      if (plannedDueOn !== undefined && !asset.revisitPlans.some((p) => p.dueOn === plannedDueOn && !p.done)) {
        const open = asset.revisitPlans.filter((p) => !p.done).map((p) => p.dueOn);
        return fail('REVISIT_NOT_PLANNED', `no open revisit plan is due on ${plannedDueOn} (open: ${open.join(', ') || 'none'})`, 'plannedDueOn');
      }
      return accept({ type: 'RevisitDone', data: { ...optional({ plannedDueOn }), by, outcome, at } });
    }
    case 'ConsumeEntitlement':
      return consume(command, asset, at);
    case 'RecordRepair': {
      const reportedAt = normalizeInstant(command.data.reportedAt) as IsoInstant;
      if (Date.parse(reportedAt) - nowMs > MAX_CLOCK_SKEW_MS) {
        return fail('AT_IN_FUTURE', `reportedAt ${reportedAt} is in the future (now is ${new Date(nowMs).toISOString()})`, 'reportedAt');
      }
      return decideRecordRepair(command, asset, reportedAt, at);
    }
    case 'AssessRepair':
      return decideAssessRepair(command, asset, at);
    default: {
      const _never: never = command;
      return _never;
    }
  }
}

/**
 * One unit of an entitlement for a ticket. Idempotent per ticket: the same ticket and entitlement
 * again appends nothing; the same ticket with another entitlement is ALREADY_CONSUMED. The yearly
 * inspection counts in the coverage year of the ticket's local date (`at`), together with
 * inspections recorded in that year; outside the coverage years none is granted.
 */
function consume(command: ConsumeEntitlement, asset: Asset, at: IsoInstant): AssetDecision {
  const { entitlement, ticketId } = command.data;
  const earlier = asset.consumptions.find((c) => c.ticketId === ticketId);
  if (earlier) {
    if (earlier.entitlement === entitlement) return accept();
    return fail('ALREADY_CONSUMED', `ticket ${ticketId} already used a ${earlier.entitlement} (at ${earlier.at}); a ticket uses one entitlement`, 'ticketId');
  }
  if (entitlement !== 'inspection') {
    const granted = asset.entitlements[entitlement];
    const used = usedCount(asset, entitlement);
    if (used >= granted) {
      return fail('ENTITLEMENT_EXHAUSTED', `asset ${asset.assetId} has used ${used} of ${granted} free ${entitlement}${granted === 1 ? '' : 's'}`, 'entitlement');
    }
    return accept({ type: 'EntitlementConsumed', data: { entitlement, ticketId, at } });
  }
  const day = localDate(at, asset.timeZone);
  const year = coverageYearOf(asset, day);
  if (!year) {
    return fail('ENTITLEMENT_EXHAUSTED', `no free inspection is granted on ${day}: it is outside the asset's coverage years`, 'entitlement');
  }
  const granted = asset.entitlements.inspectionsPerYear;
  const done = inspectionsDoneIn(asset, year);
  if (done >= granted) {
    return fail(
      'ENTITLEMENT_EXHAUSTED',
      `coverage year ${year.year} (${year.from} to ${year.to}) has ${done} of ${granted} free inspection${granted === 1 ? '' : 's'} done`,
      'entitlement',
    );
  }
  return accept({ type: 'EntitlementConsumed', data: { entitlement, ticketId, year: year.year, at } });
}

function registered(command: RegisterAsset, at: IsoInstant): AssetRegistered {
  const d = command.data;
  const { ownerName, saleDate, contract, contacts, subcontractors, firstVisit, autoTickets } = d;
  return {
    type: 'AssetRegistered',
    data: {
      assetId: d.assetId,
      customerId: d.customerId,
      ...optional({ ownerName }),
      name: d.name,
      kind: d.kind,
      acceptedAt: d.acceptedAt,
      ...optional({ saleDate }),
      timeZone: d.timeZone ?? DEFAULT_ASSET_TIME_ZONE,
      coverages: d.coverages.map((c) => ({ category: c.category, startsFrom: c.startsFrom ?? 'acceptance', ...lengthOf(c) })),
      entitlements: {
        relocation: d.entitlements?.relocation ?? 0,
        rebuild: d.entitlements?.rebuild ?? 0,
        inspectionsPerYear: d.entitlements?.inspectionsPerYear ?? 0,
      },
      ...optional({
        contract: contract && optional({ number: contract.number, signedAt: contract.signedAt, terms: contract.terms }),
        contacts: contacts?.map((c) => optional({ name: c.name, role: c.role, phone: c.phone, email: c.email })),
        subcontractors: subcontractors?.map((s) =>
          optional({ name: s.name, warrantyItems: [...s.warrantyItems], contact: s.contact, warrantyAmount: s.warrantyAmount }),
        ),
        firstVisit: firstVisit && { afterDays: firstVisit.afterDays, from: firstVisit.from ?? 'acceptance' },
        // In the vocabulary's order, each once: the same wish written twice is one wish.
        autoTickets: autoTickets && autoTickets.length > 0 ? AUTO_TICKET_KINDS.filter((k) => autoTickets.includes(k)) : undefined,
      }),
      at,
    },
  } as AssetRegistered;
}

function lengthOf(input: { years?: number; months?: number }): CoverageLength {
  return input.years !== undefined ? { years: input.years } : { months: input.months as number };
}

function monthsOf(length: CoverageLength): number {
  return 'years' in length ? length.years * 12 : length.months;
}

/** The entries whose value is given: events leave optional fields out, never `undefined`. */
function optional<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as never;
}

function checkInput(command: AssetCommand, nowMs: number): IsoInstant | AssetError {
  return validateAssetCommand(command) ?? businessTime(command.data.at, nowMs);
}

function businessTime(at: unknown, nowMs: number): IsoInstant | AssetError {
  if (at === undefined) return new Date(nowMs).toISOString();
  const normalized = normalizeInstant(at);
  if (normalized === undefined) {
    return assetError('INVALID_INPUT', `at must be an ISO 8601 date-time with an offset, got ${String(at)}`, 'at');
  }
  if (Date.parse(normalized) - nowMs > MAX_CLOCK_SKEW_MS) {
    return assetError('AT_IN_FUTURE', `at ${normalized} is in the future (now is ${new Date(nowMs).toISOString()})`, 'at');
  }
  return normalized;
}

function accept(...events: AssetEvent[]): AssetDecision {
  return { ok: true, events };
}

function fail(code: AssetErrorCode, message: string, field?: string): AssetDecision {
  return { ok: false, error: assetError(code, message, field) };
}

const VERB: Record<AssetCommand['type'], string> = {
  RegisterAsset: 'register the asset',
  ExtendCoverage: 'extend a coverage',
  RecordDeposit: 'record a deposit',
  RecordInspection: 'record an inspection',
  PlanRevisit: 'plan a revisit',
  CompleteAssetRevisit: 'complete a revisit',
  ConsumeEntitlement: 'use an entitlement',
  RecordRepair: 'record a repair',
  AssessRepair: 'assess a repair',
};
