import { describe, expect, it } from '@jest/globals';
import { decideEngineer, evolveEngineer, initialEngineerState, type EngineerState } from './engineer';
import type { EngineerCommand } from './network-commands';

const NOW = '2026-03-10T08:00:00.000Z';
const register: EngineerCommand = { type: 'RegisterEngineer', data: { engineerId: 'e1', name: 'Li Wei', unitId: 'dealer-a', tier: 'onsite', skills: ['hvac'], at: '2026-03-01T00:00:00Z' } };

function run(state: EngineerState, ...commands: EngineerCommand[]): EngineerState {
  return commands.reduce((current, command) => {
    const decision = decideEngineer(command, current, NOW);
    if (!decision.ok) throw new Error(decision.error.message);
    return decision.events.reduce(evolveEngineer, current);
  }, state);
}

describe('decideEngineer', () => {
  it('registers an engineer into a unit with a tier and skills', () => {
    expect(decideEngineer(register, initialEngineerState(), NOW)).toEqual({
      ok: true,
      events: [{ type: 'EngineerRegistered', data: { engineerId: 'e1', name: 'Li Wei', unitId: 'dealer-a', tier: 'onsite', skills: ['hvac'], at: '2026-03-01T00:00:00.000Z' } }],
    });
    expect(decideEngineer({ ...register, data: { ...register.data, tier: 'chief' } } as unknown as EngineerCommand, initialEngineerState(), NOW)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'tier' } });
    expect(decideEngineer({ ...register, data: { ...register.data, skills: ['ok', ''] } }, initialEngineerState(), NOW)).toMatchObject({ ok: false, error: { field: 'skills[1]' } });
  });

  it('moves an engineer, naming the unit left, and refuses a move into the same unit', () => {
    const engineer = run(initialEngineerState(), register);
    expect(decideEngineer({ type: 'MoveEngineer', data: { toUnitId: 'dealer-b' } }, engineer, NOW)).toMatchObject({
      ok: true,
      events: [{ type: 'EngineerMoved', data: { engineerId: 'e1', fromUnitId: 'dealer-a', toUnitId: 'dealer-b', at: NOW } }],
    });
    expect(decideEngineer({ type: 'MoveEngineer', data: { toUnitId: 'dealer-a' } }, engineer, NOW)).toMatchObject({ ok: false, error: { code: 'ALREADY_IN_UNIT', kind: 'conflict' } });
    const moved = run(engineer, { type: 'MoveEngineer', data: { toUnitId: 'dealer-b' } });
    expect(moved.status === 'active' && moved.unitId).toBe('dealer-b');
  });

  it('records trainings and assessments, a score optional, even dated before a later fact', () => {
    const engineer = run(
      initialEngineerState(),
      register,
      { type: 'MoveEngineer', data: { toUnitId: 'dealer-b', at: '2026-03-05T00:00:00Z' } },
      { type: 'RecordTraining', data: { course: 'boilers', kind: 'scheduled', result: 'passed', score: 91, at: '2026-03-03T00:00:00Z' } },
      { type: 'RecordAssessment', data: { course: 'safety', kind: 'unscheduled', result: 'fair' } },
    );
    if (engineer.status === 'none') throw new Error('not registered');
    expect(engineer.trainings).toEqual([{ course: 'boilers', kind: 'scheduled', result: 'passed', score: 91, at: '2026-03-03T00:00:00.000Z' }]);
    expect(engineer.assessments).toEqual([{ course: 'safety', kind: 'unscheduled', result: 'fair', score: null, at: NOW }]);
    expect(decideEngineer({ type: 'RecordTraining', data: { course: 'x', kind: 'monthly', result: 'r' } } as unknown as EngineerCommand, engineer, NOW)).toMatchObject({ ok: false, error: { field: 'kind' } });
    expect(decideEngineer({ type: 'RecordTraining', data: { course: 'x', kind: 'scheduled', result: 'r', at: '2026-02-01T00:00:00Z' } }, engineer, NOW)).toMatchObject({ ok: false, error: { code: 'AT_BEFORE_LAST_EVENT' } });
  });

  it('takes no command after the engineer left', () => {
    const left = run(initialEngineerState(), register, { type: 'LeaveService', data: { reason: 'moved city' } });
    expect(left).toMatchObject({ status: 'left', left: { reason: 'moved city', at: NOW } });
    expect(decideEngineer({ type: 'MoveEngineer', data: { toUnitId: 'dealer-b' } }, left, NOW)).toMatchObject({ ok: false, error: { code: 'ENGINEER_HAS_LEFT', kind: 'conflict' } });
    expect(decideEngineer({ type: 'LeaveService', data: {} }, left, NOW)).toMatchObject({ ok: false, error: { code: 'ENGINEER_HAS_LEFT' } });
  });

  it('refuses commands for an unknown engineer and a second registration', () => {
    expect(decideEngineer({ type: 'LeaveService', data: {} }, initialEngineerState(), NOW)).toMatchObject({ ok: false, error: { code: 'ENGINEER_NOT_FOUND', kind: 'not_found' } });
    expect(decideEngineer(register, run(initialEngineerState(), register), NOW)).toMatchObject({ ok: false, error: { code: 'ENGINEER_ALREADY_EXISTS' } });
  });
});
