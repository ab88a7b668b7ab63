import { describe, expect, it } from '@jest/globals';
import type { UnitCommand } from './network-commands';
import type { UnitEvent } from './network-events';
import { decideUnit, evolveUnit, initialUnitState, type UnitState } from './service-unit';

const NOW = '2026-03-10T08:00:00.000Z';
const fold = (events: UnitEvent[]): UnitState => events.reduce(evolveUnit, initialUnitState());
const register: UnitCommand = {
  type: 'RegisterUnit',
  data: { unitId: 'dealer-a', name: 'Dealer A', kind: 'dealer', parentId: 'maker', zone: 'urban', terms: { revisitTargetPercent: 30, arrivalUrban: 'PT2H' }, at: '2026-03-01T00:00:00Z' },
};

function registered(): UnitState {
  const decision = decideUnit(register, initialUnitState(), NOW);
  if (!decision.ok) throw new Error(decision.error.message);
  return fold(decision.events);
}

describe('decideUnit', () => {
  it('registers a unit with its parent, zone and terms, and the state holds them', () => {
    const decision = decideUnit(register, initialUnitState(), NOW);
    expect(decision).toEqual({
      ok: true,
      events: [{ type: 'ServiceUnitRegistered', data: { unitId: 'dealer-a', name: 'Dealer A', kind: 'dealer', parentId: 'maker', zone: 'urban', terms: { revisitTargetPercent: 30, arrivalUrban: 'PT2H' }, at: '2026-03-01T00:00:00.000Z' } }],
    });
    const unit = registered();
    expect(unit).toMatchObject({ status: 'active', parentId: 'maker', zone: 'urban', policyId: null, staff: [], terms: { revisitTargetPercent: 30 } });
  });

  it('refuses a second registration and commands for a unit that does not exist', () => {
    expect(decideUnit(register, registered(), NOW)).toMatchObject({ ok: false, error: { code: 'UNIT_ALREADY_EXISTS', kind: 'conflict' } });
    expect(decideUnit({ type: 'ChangeUnitTerms', data: { terms: {} } }, initialUnitState(), NOW)).toMatchObject({ ok: false, error: { code: 'UNIT_NOT_FOUND', kind: 'not_found' } });
  });

  it.each([
    [{ kind: 'shop' }, 'kind'],
    [{ name: ' ' }, 'name'],
    [{ parentId: 'dealer-a' }, 'parentId'],
    [{ zone: 'rural' }, 'zone'],
    [{ terms: { revisitTargetPercent: 101 } }, 'terms.revisitTargetPercent'],
    [{ terms: { feedbackDayOfMonth: 31 } }, 'terms.feedbackDayOfMonth'],
    [{ terms: { feedbackDayOfMonth: 2.5 } }, 'terms.feedbackDayOfMonth'],
    [{ terms: { arrivalUrban: '2 hours' } }, 'terms.arrivalUrban'],
    [{ terms: { arrivalSuburban: 'P1M' } }, 'terms.arrivalSuburban'],
    [{ terms: { responseTime: 'PT1H' } }, 'terms.responseTime'],
  ])('refuses a registration with %j at %s', (change, field) => {
    const command = { ...register, data: { ...register.data, ...change } } as UnitCommand;
    expect(decideUnit(command, initialUnitState(), NOW)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field } });
  });

  it('replaces the whole terms on a change', () => {
    const decision = decideUnit({ type: 'ChangeUnitTerms', data: { terms: { feedbackDayOfMonth: 5 }, at: '2026-03-02T00:00:00Z' } }, registered(), NOW);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.events[0]).toEqual({ type: 'ServiceUnitTermsChanged', data: { unitId: 'dealer-a', terms: { feedbackDayOfMonth: 5 }, at: '2026-03-02T00:00:00.000Z' } });
    const unit = decision.events.reduce(evolveUnit, registered());
    expect(unit.status === 'active' && unit.terms).toEqual({ feedbackDayOfMonth: 5 });
  });

  it('records an inspection by the parent only', () => {
    const inspect = (byUnitId: string) => decideUnit({ type: 'InspectUnit', data: { byUnitId, findings: 'tools in order', score: 88 } }, registered(), NOW);
    expect(inspect('maker')).toMatchObject({ ok: true, events: [{ type: 'ServiceUnitInspected', data: { unitId: 'dealer-a', byUnitId: 'maker', score: 88, at: NOW } }] });
    expect(inspect('dealer-b')).toMatchObject({ ok: false, error: { code: 'INSPECTOR_NOT_PARENT', field: 'byUnitId' } });
    expect(decideUnit({ type: 'InspectUnit', data: { byUnitId: 'maker', findings: 'x', score: 120 } }, registered(), NOW)).toMatchObject({ ok: false, error: { field: 'score' } });
  });

  it('keeps the staff: joining twice and leaving a unit one is not in append nothing', () => {
    let unit = registered();
    const run = (command: UnitCommand) => {
      const decision = decideUnit(command, unit, NOW);
      if (!decision.ok) throw new Error(decision.error.message);
      unit = decision.events.reduce(evolveUnit, unit);
      return decision.events.length;
    };
    expect(run({ type: 'JoinUnitStaff', data: { engineerId: 'e1' } })).toBe(1);
    expect(run({ type: 'JoinUnitStaff', data: { engineerId: 'e1' } })).toBe(0);
    expect(run({ type: 'JoinUnitStaff', data: { engineerId: 'e2' } })).toBe(1);
    expect(run({ type: 'LeaveUnitStaff', data: { engineerId: 'e1' } })).toBe(1);
    expect(run({ type: 'LeaveUnitStaff', data: { engineerId: 'e1' } })).toBe(0);
    expect(unit.status === 'active' && unit.staff).toEqual(['e2']);
    expect(unit.status === 'active' && unit.staffChanges.map((c) => `${c.engineerId}:${c.change}`)).toEqual(['e1:joined', 'e2:joined', 'e1:left']);
  });

  it('refuses a caller fact dated before the last one, but takes a staff change dated earlier', () => {
    const unit = registered();
    expect(decideUnit({ type: 'ChangeUnitTerms', data: { terms: {}, at: '2026-02-01T00:00:00Z' } }, unit, NOW)).toMatchObject({ ok: false, error: { code: 'AT_BEFORE_LAST_EVENT' } });
    expect(decideUnit({ type: 'JoinUnitStaff', data: { engineerId: 'e1', at: '2026-02-01T00:00:00Z' } }, unit, NOW)).toMatchObject({ ok: true });
    expect(decideUnit({ type: 'ChangeUnitTerms', data: { terms: {}, at: '2026-04-01T00:00:00Z' } }, unit, NOW)).toMatchObject({ ok: false, error: { code: 'AT_IN_FUTURE' } });
  });

  it('refuses a history that does not open with the registration', () => {
    expect(() => evolveUnit(initialUnitState(), { type: 'ServiceUnitStaffJoined', data: { unitId: 'u', engineerId: 'e', at: NOW } })).toThrow(/cannot open/);
  });
});
