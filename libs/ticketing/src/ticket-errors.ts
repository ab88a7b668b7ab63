/**
 * Rule violations are values, not exceptions: `decide` returns them. Each has a stable `code`
 * (clients and logs match on it), a human `message`, the input `field` at fault when there is
 * one, and a `kind` that the HTTP layer maps to a status in one place
 * (not_found -> 404, conflict -> 409, invalid -> 400).
 */
export type TicketErrorKind = 'not_found' | 'conflict' | 'invalid';

export const TICKET_ERROR_KINDS = {
  /** A command other than ReportTicket for a ticket that has no events. */
  TICKET_NOT_FOUND: 'not_found',
  /** ReportTicket for a ticket that already exists. */
  TICKET_ALREADY_EXISTS: 'conflict',
  /** The ticket's state does not allow the command. */
  INVALID_TRANSITION: 'conflict',
  /**
   * `at` is earlier than the ticket's last event: history would run backwards. Invalid input
   * (400), as the API contract lists it with the other checks of `at`.
   */
  AT_BEFORE_LAST_EVENT: 'invalid',
  /** `at` is more than MAX_CLOCK_SKEW_MS after `now`. */
  AT_IN_FUTURE: 'invalid',
  /** CloseTicket under a policy with `requireSignOffToClose` before the customer signed the repair order. */
  SIGN_OFF_REQUIRED: 'conflict',
  /** A field is missing, of the wrong type, outside its word list, or an unparsable time. */
  INVALID_INPUT: 'invalid',
  /** upcastTicketEvent: a stored event type this version of the domain does not know. */
  UNKNOWN_EVENT_TYPE: 'invalid',
  /** upcastTicketEvent: a schema version that is not 1..current for its type. */
  UNSUPPORTED_SCHEMA_VERSION: 'invalid',
} as const satisfies Record<string, TicketErrorKind>;

export type TicketErrorCode = keyof typeof TICKET_ERROR_KINDS;

export type TicketError = Readonly<{
  code: TicketErrorCode;
  kind: TicketErrorKind;
  message: string;
  field?: string;
}>;

export function ticketError(code: TicketErrorCode, message: string, field?: string): TicketError {
  return field === undefined
    ? { code, kind: TICKET_ERROR_KINDS[code], message }
    : { code, kind: TICKET_ERROR_KINDS[code], message, field };
}

/**
 * Thrown by `evolve` when an event cannot follow the state at all (anything but TicketReported
 * first, or a second TicketReported): the stream is not a ticket's history. `decide` never
 * produces such a sequence, so this means stored data was damaged or mixed up.
 */
export class CorruptTicketHistory extends Error {
  readonly code = 'CORRUPT_TICKET_HISTORY';
  constructor(
    message: string,
    readonly eventType: string,
    readonly version: number,
  ) {
    super(message);
    this.name = 'CorruptTicketHistory';
  }
}
