import type { IsoInstant } from '../business-time';
import type { Event } from '../message';
import type { EngineerTier, Zone } from '../ticket-vocabulary';
import type { RecordKind, UnitKind } from './network-vocabulary';

/**
 * The service network's events, schema version 1: a unit's (stream `unit-<id>`) and an
 * engineer's (stream `engineer-<id>`). Every payload carries `at`, the business time (canonical
 * ISO 8601 UTC). Optional fields are left out, never `undefined`. Nothing here is personal data:
 * a unit's and an engineer's name are the business's own.
 */

/**
 * The agreement's numbers for one unit: the share of the month's repairs to revisit, the day of
 * the month the repair-quality feedback form is due, the arrival targets in town and in the
 * suburbs (ISO 8601 durations such as PT2H). Every number is optional: the agreement leaves
 * them for the parties to fill in.
 */
export type UnitTerms = Readonly<{
  revisitTargetPercent?: number;
  feedbackDayOfMonth?: number;
  arrivalUrban?: string;
  arrivalSuburban?: string;
}>;

export type ServiceUnitRegistered = Event<
  'ServiceUnitRegistered',
  { unitId: string; name: string; kind: UnitKind; parentId?: string; zone?: Zone; policyId?: string; terms?: UnitTerms; at: IsoInstant }
>;

/** `terms` are the whole new terms, not a patch. */
export type ServiceUnitTermsChanged = Event<'ServiceUnitTermsChanged', { unitId: string; terms: UnitTerms; at: IsoInstant }>;

/** An inspection of the unit by its parent (`byUnitId`): what was found and a score out of 100. */
export type ServiceUnitInspected = Event<
  'ServiceUnitInspected',
  { unitId: string; byUnitId: string; findings: string; score: number; at: IsoInstant }
>;

/** Appended by the engine when an engineer registers into or moves into the unit. */
export type ServiceUnitStaffJoined = Event<'ServiceUnitStaffJoined', { unitId: string; engineerId: string; at: IsoInstant }>;

/** Appended by the engine when an engineer leaves or moves out of the unit. */
export type ServiceUnitStaffLeft = Event<'ServiceUnitStaffLeft', { unitId: string; engineerId: string; at: IsoInstant }>;

export type UnitEvent = ServiceUnitRegistered | ServiceUnitTermsChanged | ServiceUnitInspected | ServiceUnitStaffJoined | ServiceUnitStaffLeft;
export type UnitEventType = UnitEvent['type'];

export const UNIT_EVENT_TYPES = [
  'ServiceUnitRegistered',
  'ServiceUnitTermsChanged',
  'ServiceUnitInspected',
  'ServiceUnitStaffJoined',
  'ServiceUnitStaffLeft',
] as const satisfies readonly UnitEventType[];

export type EngineerRegistered = Event<
  'EngineerRegistered',
  { engineerId: string; name: string; unitId: string; tier: EngineerTier; skills: readonly string[]; at: IsoInstant }
>;

export type EngineerMoved = Event<'EngineerMoved', { engineerId: string; fromUnitId: string; toUnitId: string; at: IsoInstant }>;

type Record = { engineerId: string; course: string; kind: RecordKind; at: IsoInstant; result: string; score?: number };

export type EngineerTrainingRecorded = Event<'EngineerTrainingRecorded', Record>;
export type EngineerAssessmentRecorded = Event<'EngineerAssessmentRecorded', Record>;

export type EngineerLeft = Event<'EngineerLeft', { engineerId: string; reason?: string; at: IsoInstant }>;

export type EngineerEvent = EngineerRegistered | EngineerMoved | EngineerTrainingRecorded | EngineerAssessmentRecorded | EngineerLeft;
export type EngineerEventType = EngineerEvent['type'];

export const ENGINEER_EVENT_TYPES = [
  'EngineerRegistered',
  'EngineerMoved',
  'EngineerTrainingRecorded',
  'EngineerAssessmentRecorded',
  'EngineerLeft',
] as const satisfies readonly EngineerEventType[];
