import { parseInstant, type IsoInstant } from '../business-time';
import type { Zone } from '../ticket-vocabulary';
import { UNIT_COMMAND_TYPES, type UnitCommand } from './network-commands';
import { CorruptNetworkHistory, networkError, type NetworkError, type NetworkErrorCode } from './network-errors';
import type { UnitEvent, UnitTerms } from './network-events';
import type { UnitKind } from './network-vocabulary';
import { businessTime, validateUnitCommand } from './network-validation';

export type UnitInspection = Readonly<{ byUnitId: string; findings: string; score: number; at: IsoInstant }>;
/** A change of the unit's staff, in the order it happened. */
export type StaffChange = Readonly<{ engineerId: string; change: 'joined' | 'left'; at: IsoInstant }>;

export type ServiceUnit = Readonly<{
  status: 'active';
  unitId: string;
  name: string;
  kind: UnitKind;
  parentId: string | null;
  zone: Zone | null;
  policyId: string | null;
  terms: UnitTerms;
  registeredAt: IsoInstant;
  inspections: readonly UnitInspection[];
  /** The engineers in the unit now, in the order they joined. */
  staff: readonly string[];
  staffChanges: readonly StaffChange[];
  /** The latest `at` of a caller's fact: staff changes follow engineers' own times and do not bound it. */
  lastEventAt: IsoInstant;
  version: number;
}>;

export type UnitState = Readonly<{ status: 'none' }> | ServiceUnit;

export const initialUnitState = (): UnitState => ({ status: 'none' });

export type UnitDecision = { ok: true; events: UnitEvent[] } | { ok: false; error: NetworkError };

/**
 * Decides what a command means for a service unit. Pure: `now` is the server's time, the default
 * and upper bound of `at`. Checks: command type and `now` -> existence -> fields -> `at` ->
 * the unit's rules -> `at` not before the unit's latest fact (not for staff changes, which carry
 * the engineer's own time). Staff changes are idempotent: joining twice or leaving a unit one
 * is not in appends nothing.
 */
export function decideUnit(command: UnitCommand, state: UnitState, now: string): UnitDecision {
  if (!(UNIT_COMMAND_TYPES as readonly string[]).includes(command?.type)) return fail('INVALID_INPUT', `unknown command type ${String(command?.type)}`, 'type');
  if (typeof command.data !== 'object' || command.data === null) return fail('INVALID_INPUT', `${command.type} needs a data object`, 'data');
  const nowMs = parseInstant(now);
  if (nowMs === undefined) return fail('INVALID_INPUT', `now must be an ISO 8601 instant, got ${String(now)}`, 'now');

  if (command.type === 'RegisterUnit') {
    if (state.status !== 'none') return fail('UNIT_ALREADY_EXISTS', `unit ${state.unitId} already exists (registered at ${state.registeredAt})`, 'unitId');
    const at = checked(command, nowMs);
    if (typeof at !== 'string') return { ok: false, error: at };
    const { unitId, name, kind, parentId, zone, policyId, terms } = command.data;
    return accept({ type: 'ServiceUnitRegistered', data: { unitId, name, kind, ...optional({ parentId, zone, policyId }), ...(terms ? { terms: termsOf(terms) } : {}), at } });
  }
  if (state.status === 'none') return fail('UNIT_NOT_FOUND', `cannot ${VERB[command.type]}: the unit is not registered`);
  const at = checked(command, nowMs);
  if (typeof at !== 'string') return { ok: false, error: at };

  const unitId = state.unitId;
  switch (command.type) {
    case 'JoinUnitStaff': {
      const { engineerId } = command.data;
      return state.staff.includes(engineerId) ? accept() : accept({ type: 'ServiceUnitStaffJoined', data: { unitId, engineerId, at } });
    }
    case 'LeaveUnitStaff': {
      const { engineerId } = command.data;
      return state.staff.includes(engineerId) ? accept({ type: 'ServiceUnitStaffLeft', data: { unitId, engineerId, at } }) : accept();
    }
    case 'ChangeUnitTerms':
      return notBackwards(state, at, { type: 'ServiceUnitTermsChanged', data: { unitId, terms: termsOf(command.data.terms), at } });
    case 'InspectUnit': {
      const { byUnitId, findings, score } = command.data;
      if (state.parentId !== byUnitId) {
        const parent = state.parentId === null ? 'it has no parent unit' : `its parent is ${state.parentId}`;
        return fail('INSPECTOR_NOT_PARENT', `unit ${unitId} is inspected by its parent unit only; ${parent}, not ${byUnitId}`, 'byUnitId');
      }
      return notBackwards(state, at, { type: 'ServiceUnitInspected', data: { unitId, byUnitId, findings, score, at } });
    }
  }
}

/**
 * Applies one event to the unit. Events are facts: no rule is re-checked. Throws
 * CorruptNetworkHistory for a stream that cannot be a unit's history. Never mutates `state`.
 */
export function evolveUnit(state: UnitState, event: UnitEvent): UnitState {
  if (event.type === 'ServiceUnitRegistered') {
    if (state.status !== 'none') throw new CorruptNetworkHistory(`unit ${state.unitId} is registered once`);
    const { unitId, name, kind, parentId, zone, policyId, terms, at } = event.data;
    return {
      status: 'active',
      unitId,
      name,
      kind,
      parentId: parentId ?? null,
      zone: zone ?? null,
      policyId: policyId ?? null,
      terms: terms ?? {},
      registeredAt: at,
      inspections: [],
      staff: [],
      staffChanges: [],
      lastEventAt: at,
      version: 0,
    };
  }
  if (state.status === 'none') throw new CorruptNetworkHistory(`${event.type} cannot open a unit's history`);
  const unit: ServiceUnit = { ...state, version: state.version + 1 };
  switch (event.type) {
    case 'ServiceUnitTermsChanged':
      return { ...unit, terms: event.data.terms, lastEventAt: later(unit.lastEventAt, event.data.at) };
    case 'ServiceUnitInspected': {
      const { byUnitId, findings, score, at } = event.data;
      return { ...unit, inspections: [...unit.inspections, { byUnitId, findings, score, at }], lastEventAt: later(unit.lastEventAt, at) };
    }
    case 'ServiceUnitStaffJoined': {
      const { engineerId, at } = event.data;
      return {
        ...unit,
        staff: unit.staff.includes(engineerId) ? unit.staff : [...unit.staff, engineerId],
        staffChanges: [...unit.staffChanges, { engineerId, change: 'joined', at }],
      };
    }
    case 'ServiceUnitStaffLeft': {
      const { engineerId, at } = event.data;
      return { ...unit, staff: unit.staff.filter((id) => id !== engineerId), staffChanges: [...unit.staffChanges, { engineerId, change: 'left', at }] };
    }
    default:
      throw new CorruptNetworkHistory(`${(event as { type: string }).type} is not a unit event`);
  }
}

/** Only the four known numbers, in a stable order. */
function termsOf(terms: UnitTerms): UnitTerms {
  const { revisitTargetPercent, feedbackDayOfMonth, arrivalUrban, arrivalSuburban } = terms;
  return optional({ revisitTargetPercent, feedbackDayOfMonth, arrivalUrban, arrivalSuburban });
}

function notBackwards(unit: ServiceUnit, at: IsoInstant, event: UnitEvent): UnitDecision {
  if (at < unit.lastEventAt) return fail('AT_BEFORE_LAST_EVENT', `at ${at} is earlier than the unit's last fact (${unit.lastEventAt}): history cannot run backwards`, 'at');
  return accept(event);
}

function checked(command: UnitCommand, nowMs: number): IsoInstant | NetworkError {
  return validateUnitCommand(command) ?? businessTime(command.data.at, nowMs);
}

const later = (a: IsoInstant, b: IsoInstant) => (b > a ? b : a);

export function optional<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function accept(...events: UnitEvent[]): UnitDecision {
  return { ok: true, events };
}

function fail(code: NetworkErrorCode, message: string, field?: string): UnitDecision {
  return { ok: false, error: networkError(code, message, field) };
}

const VERB: Record<UnitCommand['type'], string> = {
  RegisterUnit: 'register the unit',
  ChangeUnitTerms: 'change the terms',
  InspectUnit: 'record an inspection',
  JoinUnitStaff: 'record a staff member joining',
  LeaveUnitStaff: 'record a staff member leaving',
};
