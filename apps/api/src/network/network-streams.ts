import { createHash } from 'node:crypto';
import type { RecordedEvent } from '@app/event-store';
import {
  decideEngineer,
  decideUnit,
  ENGINEER_EVENT_TYPES,
  evolveEngineer,
  evolveUnit,
  initialEngineerState,
  initialUnitState,
  UNIT_EVENT_TYPES,
  type EngineerCommand,
  type EngineerEvent,
  type EngineerState,
  type UnitCommand,
  type UnitEvent,
  type UnitState,
} from '@app/ticketing';
import type { AggregateType } from '../commands/stream-commands';

export const UNIT_STREAM_PREFIX = 'unit-';
export const unitStream = (unitId: string) => `${UNIT_STREAM_PREFIX}${unitId}`;
export const engineerStream = (engineerId: string) => `engineer-${engineerId}`;

/**
 * The id of a registration sent with an Idempotency-Key and no id: derived from the key (a UUID
 * in the shape of version 5), so that a retry lands on the same stream and finds its first answer.
 */
export function networkIdForKey(kind: 'unit' | 'engineer', key: string): string {
  const hex = createHash('sha256').update(`${kind}:${key}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The current schema version of every network event. */
export const NETWORK_SCHEMA_VERSION = 1;

function known<E>(types: readonly string[], what: string, recorded: RecordedEvent): E {
  const version = recorded.metadata.schemaVersion ?? 1;
  if (!types.includes(recorded.type) || version !== NETWORK_SCHEMA_VERSION) {
    throw new Error(`${recorded.stream}@${recorded.revision}: ${recorded.type} v${String(version)} is not ${what} event this version knows`);
  }
  return { type: recorded.type, data: recorded.data } as E;
}

export const toUnitEvent = (recorded: RecordedEvent): UnitEvent => known<UnitEvent>(UNIT_EVENT_TYPES, 'a unit', recorded);
export const toEngineerEvent = (recorded: RecordedEvent): EngineerEvent => known<EngineerEvent>(ENGINEER_EVENT_TYPES, 'an engineer', recorded);

export function foldUnit(recorded: readonly RecordedEvent[], from: UnitState = initialUnitState()): UnitState {
  return recorded.reduce<UnitState>((state, event) => evolveUnit(state, toUnitEvent(event)), from);
}

export function foldEngineer(recorded: readonly RecordedEvent[], from: EngineerState = initialEngineerState()): EngineerState {
  return recorded.reduce<EngineerState>((state, event) => evolveEngineer(state, toEngineerEvent(event)), from);
}

export const UNITS: AggregateType<UnitState, UnitCommand, UnitEvent> = {
  name: 'unit',
  streamOf: unitStream,
  fold: foldUnit,
  decide: decideUnit,
  schemaVersion: () => NETWORK_SCHEMA_VERSION,
};

export const ENGINEERS: AggregateType<EngineerState, EngineerCommand, EngineerEvent> = {
  name: 'engineer',
  streamOf: engineerStream,
  fold: foldEngineer,
  decide: decideEngineer,
  schemaVersion: () => NETWORK_SCHEMA_VERSION,
};
