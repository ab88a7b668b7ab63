import type { TicketError } from '@app/ticketing';
import { problem, ProblemError } from '../http/problem';

const STATUS = { not_found: 404, conflict: 409, invalid: 400 } as const;

/** A domain rejection as an HTTP problem: the domain's kind picks the status, its code stays. */
export function ticketProblem(error: TicketError): ProblemError {
  const extra = error.field ? { errors: [{ field: error.field, message: error.message }] } : {};
  return new ProblemError(problem(STATUS[error.kind], error.code, error.message, extra));
}
