import { ticketError, type TicketError } from './ticket-errors';
import { isTicketEventType, type TicketEvent, type TicketEventType } from './ticket-events';

/**
 * The current schema version of each event type. Writers store it in the event's metadata;
 * readers hand it back to `upcastTicketEvent`. Bump a type's number when its shape changes, and
 * teach `upcastTicketEvent` to turn the old shape into the new one.
 */
export const EVENT_SCHEMA_VERSION = {
  TicketReported: 1,
  ResponseAcknowledged: 1,
  EngineerDispatched: 1,
  EngineerArrived: 1,
  TicketPaused: 1,
  TicketResumed: 1,
  TicketReprioritized: 1,
  Restored: 1,
  ReportFiled: 1,
  SatisfactionRated: 1,
  RevisitCompleted: 1,
  TicketClosed: 1,
  TicketReopened: 1,
  TicketAssigned: 1,
  RepairOrderSignedOff: 1,
  SlaWarningReached: 1,
  SlaBreached: 1,
  EscalationRequired: 1,
  SlaAlarmWithdrawn: 1,
} as const satisfies Record<TicketEventType, number>;

export type UpcastResult = { ok: true; event: TicketEvent } | { ok: false; error: TicketError };

/**
 * The one place where a stored event becomes a current `TicketEvent`: aggregate loads,
 * subscriptions and projection rebuilds all go through it. Version 1 is the only version, so
 * today it is the identity on known types.
 *
 * Returns an error value (never throws): UNKNOWN_EVENT_TYPE for a type this code does not know,
 * UNSUPPORTED_SCHEMA_VERSION for a version below 1, not an integer, or newer than this code
 * (written by a later release: reading it as if it were current could silently drop fields).
 * A missing version (`undefined`) is read as 1, the version of every event written before
 * versions were recorded.
 */
export function upcastTicketEvent(type: string, data: unknown, schemaVersion: number | undefined = 1): UpcastResult {
  if (!isTicketEventType(type)) {
    return { ok: false, error: ticketError('UNKNOWN_EVENT_TYPE', `unknown ticket event type "${type}"`, 'type') };
  }
  const current = EVENT_SCHEMA_VERSION[type];
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > current) {
    return {
      ok: false,
      error: ticketError(
        'UNSUPPORTED_SCHEMA_VERSION',
        `${type} schema version ${String(schemaVersion)} is not supported (current is ${current})`,
        'schemaVersion',
      ),
    };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, error: ticketError('INVALID_INPUT', `${type} data must be a JSON object`, 'data') };
  }
  // Every type is at version 1: nothing to convert yet. A v2 would add, per type,
  // `if (schemaVersion < 2) data = fromV1(data)` here, oldest step first.
  return { ok: true, event: { type, data } as TicketEvent };
}

/** What a store hands back of an event, as far as upcasting needs it. */
export type StoredTicketEvent = Readonly<{
  stream: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: Readonly<Record<string, unknown>>;
}>;

/** The metadata fields `toTicketEvent` reads: a reader that needs nothing else may read only these. */
export const UPCAST_METADATA_FIELDS: readonly string[] = ['schemaVersion'];

/**
 * A stored event as the current `TicketEvent`: the one step aggregate loads, projections and
 * replays all take. A stored event this code cannot read is damaged data: it throws, naming it.
 */
export function toTicketEvent(stored: StoredTicketEvent): TicketEvent {
  const version = stored.metadata.schemaVersion;
  const result = upcastTicketEvent(stored.type, stored.data, typeof version === 'number' ? version : undefined);
  if (!result.ok) throw new Error(`${stored.stream}@${stored.revision}: ${result.error.message}`);
  return result.event;
}
