import { parseInstant } from '../business-time';
import { parseChargePolicy } from '../charges/charge-policy';
import { repairFactsProblems } from '../charges/repair-facts';
import { isTimeZone } from '../sla/zoned-time';
import { isOneOf } from '../ticket-vocabulary';
import { isCalendarDate } from './calendar-date';
import type { AssetCommand, ChargeRequest } from './asset-commands';
import { assetError, type AssetError } from './asset-errors';
import {
  AUTO_TICKET_KINDS,
  COVERAGE_STARTS,
  DEPOSIT_KINDS,
  ENTITLEMENTS,
  MAX_COVERAGE_MONTHS,
  MAX_ENTITLEMENT_COUNT,
  MAX_FIRST_VISIT_DAYS,
} from './asset-vocabulary';

type Check = AssetError | undefined;
type Fields = Record<string, unknown>;

/**
 * Checks a command's fields (not `at`, which the business-time rules handle): commands arrive
 * from HTTP and queues, so the domain does not trust that every caller validated. Returns the
 * first problem, naming the field by its path (`coverages[1].years`).
 */
export function validateAssetCommand(command: AssetCommand): Check {
  switch (command.type) {
    case 'RegisterAsset': {
      const d = command.data;
      return (
        text(d.assetId, 'assetId') ??
        text(d.customerId, 'customerId') ??
        optionalText(d.ownerName, 'ownerName') ??
        text(d.name, 'name') ??
        text(d.kind, 'kind') ??
        date(d.acceptedAt, 'acceptedAt') ??
        (d.saleDate === undefined ? undefined : date(d.saleDate, 'saleDate')) ??
        (d.timeZone === undefined || (typeof d.timeZone === 'string' && isTimeZone(d.timeZone))
          ? undefined
          : invalid('timeZone', `timeZone must be an IANA time zone such as Asia/Shanghai, got ${String(d.timeZone)}`)) ??
        coverages(d.coverages, d.saleDate !== undefined) ??
        entitlements(d.entitlements) ??
        contract(d.contract) ??
        list<Fields>(d.contacts, 'contacts', (c, path) => record(c, path) ?? text(c['name'], `${path}.name`) ??
          optionalText(c['role'], `${path}.role`) ?? optionalText(c['phone'], `${path}.phone`) ?? optionalText(c['email'], `${path}.email`)) ??
        list<Fields>(d.subcontractors, 'subcontractors', (s, path) => record(s, path) ?? text(s['name'], `${path}.name`) ??
          (Array.isArray(s['warrantyItems']) && s['warrantyItems'].length > 0
            ? list(s['warrantyItems'], `${path}.warrantyItems`, (item, p) => text(item, p))
            : invalid(`${path}.warrantyItems`, `${path}.warrantyItems must be a non-empty list of texts`)) ??
          optionalText(s['contact'], `${path}.contact`) ??
          (s['warrantyAmount'] === undefined ? undefined : amount(s['warrantyAmount'], `${path}.warrantyAmount`, 0))) ??
        firstVisit(d.firstVisit, d.saleDate !== undefined) ??
        list(d.autoTickets, 'autoTickets', (kind, path) => oneOf(AUTO_TICKET_KINDS, kind, path))
      );
    }
    case 'ExtendCoverage':
      return (
        text(command.data.category, 'category') ??
        length(command.data, '') ??
        text(command.data.approvedBy, 'approvedBy') ??
        text(command.data.reason, 'reason')
      );
    case 'RecordDeposit':
      return (
        oneOf(DEPOSIT_KINDS, command.data.kind, 'kind') ??
        amount(command.data.amount, 'amount', 0.01) ??
        optionalText(command.data.reference, 'reference') ??
        optionalText(command.data.note, 'note')
      );
    case 'RecordInspection': {
      const d = command.data;
      return (
        date(d.inspectedOn, 'inspectedOn') ??
        text(d.by, 'by') ??
        text(d.report, 'report') ??
        (d.findings === undefined ? undefined : list(d.findings, 'findings', (f, path) => text(f, path))) ??
        optionalText(d.ticketId, 'ticketId')
      );
    }
    case 'PlanRevisit':
      return date(command.data.dueOn, 'dueOn') ?? text(command.data.purpose, 'purpose');
    case 'CompleteAssetRevisit':
      return (
        (command.data.plannedDueOn === undefined ? undefined : date(command.data.plannedDueOn, 'plannedDueOn')) ??
        text(command.data.by, 'by') ??
        text(command.data.outcome, 'outcome')
      );
    case 'ConsumeEntitlement':
      return oneOf(ENTITLEMENTS, command.data.entitlement, 'entitlement') ?? text(command.data.ticketId, 'ticketId');
    case 'RecordRepair': {
      const d = command.data;
      return (
        text(d.ticketId, 'ticketId') ??
        text(d.category, 'category') ??
        (parseInstant(d.reportedAt) === undefined
          ? invalid('reportedAt', `reportedAt must be an ISO 8601 date-time with an offset, got ${String(d.reportedAt)}`)
          : undefined) ??
        (d.assessment === undefined ? undefined : chargeRequest(d.assessment, 'assessment.'))
      );
    }
    case 'AssessRepair':
      return text(command.data.ticketId, 'ticketId') ?? chargeRequest(command.data, '');
    default: {
      const _never: never = command;
      return invalid('type', `unknown command type ${String((_never as { type: unknown }).type)}`);
    }
  }
}

function coverages(raw: unknown, hasSaleDate: boolean): Check {
  if (!Array.isArray(raw) || raw.length === 0) {
    return invalid('coverages', 'coverages must be a non-empty list of { category, years or months, startsFrom? }');
  }
  const seen = new Set<string>();
  return list<Fields>(raw, 'coverages', (c, path) => {
    const problem =
      record(c, path) ??
      text(c['category'], `${path}.category`) ??
      length(c, `${path}.`) ??
      (c['startsFrom'] === undefined ? undefined : oneOf(COVERAGE_STARTS, c['startsFrom'], `${path}.startsFrom`)) ??
      (c['startsFrom'] === 'sale' && !hasSaleDate
        ? invalid('saleDate', `${path} counts from the sale: saleDate is required`)
        : undefined) ??
      (seen.has(c['category'] as string) ? invalid(`${path}.category`, `category ${String(c['category'])} is covered twice`) : undefined);
    seen.add(c['category'] as string);
    return problem;
  });
}

/** Exactly one of years and months, a whole number >= 1, at most 100 years in all. */
function length(raw: { years?: unknown; months?: unknown }, prefix: string): Check {
  const { years, months } = raw;
  if ((years === undefined) === (months === undefined)) {
    return invalid(`${prefix}years`, `give ${prefix}years or ${prefix}months, exactly one`);
  }
  const [field, value, factor] = years !== undefined ? ['years', years, 12] : ['months', months, 1];
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) * factor > MAX_COVERAGE_MONTHS) {
    return invalid(`${prefix}${field}`, `${prefix}${field} must be a whole number from 1 to ${MAX_COVERAGE_MONTHS / factor}`);
  }
  return undefined;
}

function entitlements(raw: unknown): Check {
  if (raw === undefined) return undefined;
  const problem = record(raw, 'entitlements');
  if (problem) return problem;
  const counts = raw as Record<string, unknown>;
  for (const key of ['relocation', 'rebuild', 'inspectionsPerYear']) {
    const value = counts[key];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_ENTITLEMENT_COUNT)) {
      return invalid(`entitlements.${key}`, `entitlements.${key} must be a whole number from 0 to ${MAX_ENTITLEMENT_COUNT}`);
    }
  }
  return undefined;
}

function firstVisit(raw: unknown, hasSaleDate: boolean): Check {
  if (raw === undefined) return undefined;
  const f = raw as Record<string, unknown>;
  const days = f['afterDays'];
  return (
    record(raw, 'firstVisit') ??
    (Number.isInteger(days) && (days as number) >= 0 && (days as number) <= MAX_FIRST_VISIT_DAYS
      ? undefined
      : invalid('firstVisit.afterDays', `firstVisit.afterDays must be a whole number of days from 0 to ${MAX_FIRST_VISIT_DAYS}`)) ??
    (f['from'] === undefined ? undefined : oneOf(COVERAGE_STARTS, f['from'], 'firstVisit.from')) ??
    (f['from'] === 'sale' && !hasSaleDate ? invalid('saleDate', 'firstVisit counts from the sale: saleDate is required') : undefined) ??
    unknownFields(f, ['afterDays', 'from'], 'firstVisit')
  );
}

function unknownFields(value: Record<string, unknown>, known: readonly string[], field: string): Check {
  const extra = Object.keys(value).find((key) => !known.includes(key));
  return extra === undefined ? undefined : invalid(`${field}.${extra}`, `${field}.${extra} is not a field of ${field} (${known.join(', ')})`);
}

function contract(raw: unknown): Check {
  if (raw === undefined) return undefined;
  const c = raw as Record<string, unknown>;
  return (
    record(raw, 'contract') ??
    text(c['number'], 'contract.number') ??
    (c['signedAt'] === undefined ? undefined : date(c['signedAt'], 'contract.signedAt')) ??
    optionalText(c['terms'], 'contract.terms')
  );
}

function chargeRequest(raw: Partial<ChargeRequest>, prefix: string): Check {
  const errors: string[] = [];
  parseChargePolicy(raw.policy, errors);
  if (errors.length > 0) return invalid(`${prefix}policy`, `${prefix}policy is not a valid charge policy: ${errors.join('; ')}`);
  const facts = raw.facts as Record<string, unknown> | undefined;
  const withDays = typeof facts === 'object' && facts !== null && facts['daysSinceSale'] === undefined ? { ...facts, daysSinceSale: 0 } : facts;
  const [problem] = repairFactsProblems(withDays, `${prefix}facts`);
  return problem === undefined ? undefined : invalid(problem.slice(0, problem.indexOf(':')), problem);
}

function list<T>(raw: unknown, field: string, each: (item: T, path: string) => Check): Check {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) return invalid(field, `${field} must be a list`);
  for (const [index, item] of raw.entries()) {
    const problem = each(item as T, `${field}[${index}]`);
    if (problem) return problem;
  }
  return undefined;
}

function invalid(field: string, message: string): AssetError {
  return assetError('INVALID_INPUT', message, field);
}

function record(value: unknown, field: string): Check {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : invalid(field, `${field} must be an object`);
}

function text(value: unknown, field: string): Check {
  return typeof value === 'string' && value.trim() !== '' ? undefined : invalid(field, `${field} must be a non-empty string`);
}

function optionalText(value: unknown, field: string): Check {
  return value === undefined ? undefined : text(value, field);
}

function date(value: unknown, field: string): Check {
  return isCalendarDate(value) ? undefined : invalid(field, `${field} must be a calendar date YYYY-MM-DD, got ${String(value)}`);
}

function amount(value: unknown, field: string, min: number): Check {
  return typeof value === 'number' && Number.isFinite(value) && value >= min
    ? undefined
    : invalid(field, `${field} must be an amount of at least ${min}`);
}

function oneOf(values: readonly string[], value: unknown, field: string): Check {
  return isOneOf(values, value) ? undefined : invalid(field, `${field} must be one of ${values.join(', ')}`);
}
