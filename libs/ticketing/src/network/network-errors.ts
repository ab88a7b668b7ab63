import type { TicketErrorKind } from '../ticket-errors';

/**
 * The network's rule violations, with the ticket errors' shape: a stable `code`, a `kind` the
 * HTTP layer maps (not_found 404, conflict 409, invalid 400), a `message`, the `field` at fault.
 */
export const NETWORK_ERROR_KINDS = {
  /** A command other than RegisterUnit for a unit that has no events. */
  UNIT_NOT_FOUND: 'not_found',
  UNIT_ALREADY_EXISTS: 'conflict',
  /** An inspection recorded by a unit that is not the inspected unit's parent. */
  INSPECTOR_NOT_PARENT: 'invalid',
  /** A command other than RegisterEngineer for an engineer that has no events. */
  ENGINEER_NOT_FOUND: 'not_found',
  ENGINEER_ALREADY_EXISTS: 'conflict',
  /** A command for an engineer who has left the service. */
  ENGINEER_HAS_LEFT: 'conflict',
  /** A move to the unit the engineer is already in. */
  ALREADY_IN_UNIT: 'conflict',
  AT_BEFORE_LAST_EVENT: 'invalid',
  AT_IN_FUTURE: 'invalid',
  INVALID_INPUT: 'invalid',
} as const satisfies Record<string, TicketErrorKind>;

export type NetworkErrorCode = keyof typeof NETWORK_ERROR_KINDS;
export type NetworkError = Readonly<{ code: NetworkErrorCode; kind: TicketErrorKind; message: string; field?: string }>;

export function networkError(code: NetworkErrorCode, message: string, field?: string): NetworkError {
  return field === undefined ? { code, kind: NETWORK_ERROR_KINDS[code], message } : { code, kind: NETWORK_ERROR_KINDS[code], message, field };
}

/** Thrown by the evolvers for a stream that cannot be a unit's or an engineer's history. */
export class CorruptNetworkHistory extends Error {
  readonly code = 'CORRUPT_NETWORK_HISTORY';
  constructor(message: string) {
    super(message);
    this.name = 'CorruptNetworkHistory';
  }
}
