import type { Command } from '../message';
import type { EngineerTier, Zone } from '../ticket-vocabulary';
import type { UnitTerms } from './network-events';
import type { RecordKind, UnitKind } from './network-vocabulary';

/** Every command may carry `at` (any ISO 8601 date-time with an offset); the deciders use `at ?? now`. */
type At = { at?: string };

/** `parentId` and `policyId` are checked by the caller (the parent is a registered unit, the policy is in the catalog). */
export type RegisterUnit = Command<
  'RegisterUnit',
  At & { unitId: string; name: string; kind: UnitKind; parentId?: string; zone?: Zone; policyId?: string; terms?: UnitTerms }
>;
export type ChangeUnitTerms = Command<'ChangeUnitTerms', At & { terms: UnitTerms }>;
export type InspectUnit = Command<'InspectUnit', At & { byUnitId: string; findings: string; score: number }>;
/** Raised by the engine as an engineer registers, moves or leaves: never sent by a caller. */
export type JoinUnitStaff = Command<'JoinUnitStaff', At & { engineerId: string }>;
export type LeaveUnitStaff = Command<'LeaveUnitStaff', At & { engineerId: string }>;

export type UnitCommand = RegisterUnit | ChangeUnitTerms | InspectUnit | JoinUnitStaff | LeaveUnitStaff;
export const UNIT_COMMAND_TYPES = ['RegisterUnit', 'ChangeUnitTerms', 'InspectUnit', 'JoinUnitStaff', 'LeaveUnitStaff'] as const satisfies readonly UnitCommand['type'][];

/** `unitId` (and `toUnitId`) are checked by the caller: a registered unit. */
export type RegisterEngineer = Command<
  'RegisterEngineer',
  At & { engineerId: string; name: string; unitId: string; tier: EngineerTier; skills?: readonly string[] }
>;
export type MoveEngineer = Command<'MoveEngineer', At & { toUnitId: string }>;
type RecordInput = At & { course: string; kind: RecordKind; result: string; score?: number };
export type RecordTraining = Command<'RecordTraining', RecordInput>;
export type RecordAssessment = Command<'RecordAssessment', RecordInput>;
export type LeaveService = Command<'LeaveService', At & { reason?: string }>;

export type EngineerCommand = RegisterEngineer | MoveEngineer | RecordTraining | RecordAssessment | LeaveService;
export const ENGINEER_COMMAND_TYPES = ['RegisterEngineer', 'MoveEngineer', 'RecordTraining', 'RecordAssessment', 'LeaveService'] as const satisfies readonly EngineerCommand['type'][];
