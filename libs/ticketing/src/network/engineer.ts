import { parseInstant, type IsoInstant } from '../business-time';
import type { EngineerTier } from '../ticket-vocabulary';
import { ENGINEER_COMMAND_TYPES, type EngineerCommand } from './network-commands';
import { CorruptNetworkHistory, networkError, type NetworkError, type NetworkErrorCode } from './network-errors';
import type { EngineerEvent } from './network-events';
import type { RecordKind } from './network-vocabulary';
import { businessTime, validateEngineerCommand } from './network-validation';
import { optional } from './service-unit';

export type EngineerRecord = Readonly<{ course: string; kind: RecordKind; at: IsoInstant; result: string; score: number | null }>;

export type Engineer = Readonly<{
  status: 'active' | 'left';
  engineerId: string;
  name: string;
  unitId: string;
  tier: EngineerTier;
  skills: readonly string[];
  registeredAt: IsoInstant;
  moves: readonly Readonly<{ fromUnitId: string; toUnitId: string; at: IsoInstant }>[];
  trainings: readonly EngineerRecord[];
  assessments: readonly EngineerRecord[];
  left: Readonly<{ reason: string | null; at: IsoInstant }> | null;
  lastEventAt: IsoInstant;
  version: number;
}>;

export type EngineerState = Readonly<{ status: 'none' }> | Engineer;

export const initialEngineerState = (): EngineerState => ({ status: 'none' });

export type EngineerDecision = { ok: true; events: EngineerEvent[] } | { ok: false; error: NetworkError };

/**
 * Decides what a command means for an engineer. Pure, with the unit deciders' order of checks.
 * An engineer who has left takes no command (ENGINEER_HAS_LEFT); training and assessment records
 * may be dated before later facts (a course entered late), the other facts may not.
 */
export function decideEngineer(command: EngineerCommand, state: EngineerState, now: string): EngineerDecision {
  if (!(ENGINEER_COMMAND_TYPES as readonly string[]).includes(command?.type)) return fail('INVALID_INPUT', `unknown command type ${String(command?.type)}`, 'type');
  if (typeof command.data !== 'object' || command.data === null) return fail('INVALID_INPUT', `${command.type} needs a data object`, 'data');
  const nowMs = parseInstant(now);
  if (nowMs === undefined) return fail('INVALID_INPUT', `now must be an ISO 8601 instant, got ${String(now)}`, 'now');

  if (command.type === 'RegisterEngineer') {
    if (state.status !== 'none') return fail('ENGINEER_ALREADY_EXISTS', `engineer ${state.engineerId} already exists (registered at ${state.registeredAt})`, 'engineerId');
    const at = checked(command, nowMs);
    if (typeof at !== 'string') return { ok: false, error: at };
    const { engineerId, name, unitId, tier, skills } = command.data;
    return accept({ type: 'EngineerRegistered', data: { engineerId, name, unitId, tier, skills: [...(skills ?? [])], at } });
  }
  if (state.status === 'none') return fail('ENGINEER_NOT_FOUND', `cannot ${VERB[command.type]}: the engineer is not registered`);
  const at = checked(command, nowMs);
  if (typeof at !== 'string') return { ok: false, error: at };
  if (state.status === 'left') return fail('ENGINEER_HAS_LEFT', `cannot ${VERB[command.type]}: engineer ${state.engineerId} left at ${state.left!.at}`);

  const engineerId = state.engineerId;
  switch (command.type) {
    case 'MoveEngineer': {
      const { toUnitId } = command.data;
      if (toUnitId === state.unitId) return fail('ALREADY_IN_UNIT', `engineer ${engineerId} is already in unit ${toUnitId}`, 'toUnitId');
      return notBackwards(state, at, { type: 'EngineerMoved', data: { engineerId, fromUnitId: state.unitId, toUnitId, at } });
    }
    case 'RecordTraining':
    case 'RecordAssessment': {
      const { course, kind, result, score } = command.data;
      const type = command.type === 'RecordTraining' ? 'EngineerTrainingRecorded' : 'EngineerAssessmentRecorded';
      if (at < state.registeredAt) return fail('AT_BEFORE_LAST_EVENT', `at ${at} is before the engineer was registered (${state.registeredAt})`, 'at');
      return accept({ type, data: { engineerId, course, kind, at, result, ...optional({ score }) } });
    }
    case 'LeaveService': {
      const { reason } = command.data;
      return notBackwards(state, at, { type: 'EngineerLeft', data: { engineerId, ...optional({ reason }), at } });
    }
  }
}

/** Applies one event to the engineer; throws CorruptNetworkHistory for an impossible stream. Never mutates `state`. */
export function evolveEngineer(state: EngineerState, event: EngineerEvent): EngineerState {
  if (event.type === 'EngineerRegistered') {
    if (state.status !== 'none') throw new CorruptNetworkHistory(`engineer ${state.engineerId} is registered once`);
    const { engineerId, name, unitId, tier, skills, at } = event.data;
    return { status: 'active', engineerId, name, unitId, tier, skills, registeredAt: at, moves: [], trainings: [], assessments: [], left: null, lastEventAt: at, version: 0 };
  }
  if (state.status === 'none') throw new CorruptNetworkHistory(`${event.type} cannot open an engineer's history`);
  const engineer: Engineer = { ...state, version: state.version + 1 };
  switch (event.type) {
    case 'EngineerMoved': {
      const { fromUnitId, toUnitId, at } = event.data;
      return { ...engineer, unitId: toUnitId, moves: [...engineer.moves, { fromUnitId, toUnitId, at }], lastEventAt: later(engineer.lastEventAt, at) };
    }
    case 'EngineerTrainingRecorded':
    case 'EngineerAssessmentRecorded': {
      const { course, kind, at, result, score } = event.data;
      const record = { course, kind, at, result, score: score ?? null };
      return event.type === 'EngineerTrainingRecorded'
        ? { ...engineer, trainings: [...engineer.trainings, record] }
        : { ...engineer, assessments: [...engineer.assessments, record] };
    }
    case 'EngineerLeft': {
      const { reason, at } = event.data;
      return { ...engineer, status: 'left', left: { reason: reason ?? null, at }, lastEventAt: later(engineer.lastEventAt, at) };
    }
    default:
      throw new CorruptNetworkHistory(`${(event as { type: string }).type} is not an engineer event`);
  }
}

function notBackwards(engineer: Engineer, at: IsoInstant, event: EngineerEvent): EngineerDecision {
  if (at < engineer.lastEventAt) return fail('AT_BEFORE_LAST_EVENT', `at ${at} is earlier than the engineer's last fact (${engineer.lastEventAt}): history cannot run backwards`, 'at');
  return accept(event);
}

function checked(command: EngineerCommand, nowMs: number): IsoInstant | NetworkError {
  return validateEngineerCommand(command) ?? businessTime(command.data.at, nowMs);
}

const later = (a: IsoInstant, b: IsoInstant) => (b > a ? b : a);

function accept(...events: EngineerEvent[]): EngineerDecision {
  return { ok: true, events };
}

function fail(code: NetworkErrorCode, message: string, field?: string): EngineerDecision {
  return { ok: false, error: networkError(code, message, field) };
}

const VERB: Record<EngineerCommand['type'], string> = {
  RegisterEngineer: 'register the engineer',
  MoveEngineer: 'move the engineer',
  RecordTraining: 'record a training',
  RecordAssessment: 'record an assessment',
  LeaveService: 'record the engineer leaving',
};
