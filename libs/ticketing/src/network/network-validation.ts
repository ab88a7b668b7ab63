import { MAX_CLOCK_SKEW_MS, normalizeInstant, type IsoInstant } from '../business-time';
import { parseIsoDuration } from '../sla/iso-duration';
import { ENGINEER_TIERS, isOneOf, ZONES } from '../ticket-vocabulary';
import type { EngineerCommand, UnitCommand } from './network-commands';
import { networkError, type NetworkError } from './network-errors';
import { MAX_FEEDBACK_DAY, MAX_PERCENT, MAX_SCORE, RECORD_KINDS, UNIT_KINDS } from './network-vocabulary';

type Check = NetworkError | undefined;

/** The first problem with a unit command's fields (not `at`), naming the field by its path. */
export function validateUnitCommand(command: UnitCommand): Check {
  switch (command.type) {
    case 'RegisterUnit': {
      const d = command.data;
      return (
        text(d.unitId, 'unitId') ??
        text(d.name, 'name') ??
        oneOf(UNIT_KINDS, d.kind, 'kind') ??
        optionalText(d.parentId, 'parentId') ??
        (d.parentId === d.unitId ? invalid('parentId', 'a unit is not its own parent') : undefined) ??
        (d.zone === undefined ? undefined : oneOf(ZONES, d.zone, 'zone')) ??
        optionalText(d.policyId, 'policyId') ??
        (d.terms === undefined ? undefined : terms(d.terms, 'terms'))
      );
    }
    case 'ChangeUnitTerms':
      return terms(command.data.terms, 'terms');
    case 'InspectUnit':
      return text(command.data.byUnitId, 'byUnitId') ?? text(command.data.findings, 'findings') ?? score(command.data.score, 'score', true);
    case 'JoinUnitStaff':
    case 'LeaveUnitStaff':
      return text(command.data.engineerId, 'engineerId');
  }
}

/** The first problem with an engineer command's fields (not `at`). */
export function validateEngineerCommand(command: EngineerCommand): Check {
  switch (command.type) {
    case 'RegisterEngineer': {
      const d = command.data;
      return (
        text(d.engineerId, 'engineerId') ??
        text(d.name, 'name') ??
        text(d.unitId, 'unitId') ??
        oneOf(ENGINEER_TIERS, d.tier, 'tier') ??
        (d.skills === undefined
          ? undefined
          : Array.isArray(d.skills)
            ? d.skills.reduce<Check>((found, skill, i) => found ?? text(skill, `skills[${i}]`), undefined)
            : invalid('skills', 'skills must be a list of texts'))
      );
    }
    case 'MoveEngineer':
      return text(command.data.toUnitId, 'toUnitId');
    case 'RecordTraining':
    case 'RecordAssessment': {
      const d = command.data;
      return text(d.course, 'course') ?? oneOf(RECORD_KINDS, d.kind, 'kind') ?? text(d.result, 'result') ?? score(d.score, 'score', false);
    }
    case 'LeaveService':
      return optionalText(command.data.reason, 'reason');
  }
}

/** The canonical business time of a command: `at ?? now`, or why `at` will not do. */
export function businessTime(at: unknown, nowMs: number): IsoInstant | NetworkError {
  if (at === undefined) return new Date(nowMs).toISOString();
  const normalized = normalizeInstant(at);
  if (normalized === undefined) return invalid('at', `at must be an ISO 8601 date-time with an offset, got ${String(at)}`);
  if (Date.parse(normalized) - nowMs > MAX_CLOCK_SKEW_MS) {
    return networkError('AT_IN_FUTURE', `at ${normalized} is in the future (now is ${new Date(nowMs).toISOString()})`, 'at');
  }
  return normalized;
}

function terms(raw: unknown, field: string): Check {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return invalid(field, `${field} must be an object`);
  const t = raw as Record<string, unknown>;
  const known = ['revisitTargetPercent', 'feedbackDayOfMonth', 'arrivalUrban', 'arrivalSuburban'];
  const unknown = Object.keys(t).find((key) => !known.includes(key));
  if (unknown !== undefined) return invalid(`${field}.${unknown}`, `${field} holds ${known.join(', ')} only, not ${unknown}`);
  const percent = t['revisitTargetPercent'];
  if (percent !== undefined && !(typeof percent === 'number' && Number.isFinite(percent) && percent >= 0 && percent <= MAX_PERCENT)) {
    return invalid(`${field}.revisitTargetPercent`, `${field}.revisitTargetPercent must be a number from 0 to ${MAX_PERCENT}`);
  }
  const day = t['feedbackDayOfMonth'];
  if (day !== undefined && !(Number.isInteger(day) && (day as number) >= 1 && (day as number) <= MAX_FEEDBACK_DAY)) {
    return invalid(`${field}.feedbackDayOfMonth`, `${field}.feedbackDayOfMonth must be a whole day from 1 to ${MAX_FEEDBACK_DAY} (a day every month has)`);
  }
  for (const key of ['arrivalUrban', 'arrivalSuburban']) {
    const value = t[key];
    const ms = value === undefined ? 1 : parseIsoDuration(value);
    if (ms === undefined || ms <= 0) return invalid(`${field}.${key}`, `${field}.${key} must be a positive ISO 8601 duration such as PT2H, got ${String(value)}`);
  }
  return undefined;
}

function score(value: unknown, field: string, required: boolean): Check {
  if (value === undefined && !required) return undefined;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_SCORE
    ? undefined
    : invalid(field, `${field} must be a number from 0 to ${MAX_SCORE}`);
}

function invalid(field: string, message: string): NetworkError {
  return networkError('INVALID_INPUT', message, field);
}

function text(value: unknown, field: string): Check {
  return typeof value === 'string' && value.trim() !== '' ? undefined : invalid(field, `${field} must be a non-empty string`);
}

function optionalText(value: unknown, field: string): Check {
  return value === undefined ? undefined : text(value, field);
}

function oneOf(values: readonly string[], value: unknown, field: string): Check {
  return isOneOf(values, value) ? undefined : invalid(field, `${field} must be one of ${values.join(', ')}`);
}
