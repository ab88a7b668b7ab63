export * from './network-vocabulary';
export * from './network-events';
export * from './network-commands';
export * from './network-errors';
export { decideUnit, evolveUnit, initialUnitState, type ServiceUnit, type StaffChange, type UnitDecision, type UnitInspection, type UnitState } from './service-unit';
export { decideEngineer, evolveEngineer, initialEngineerState, type Engineer, type EngineerDecision, type EngineerRecord, type EngineerState } from './engineer';
