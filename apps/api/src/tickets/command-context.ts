import { createHash, randomUUID } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import { canonicalJson } from '@app/event-store';
import type { Principal } from '../auth/key-ring';
import { problem, ProblemError } from '../http/problem';

/** What the HTTP layer knows about a command besides its body: who, which retry, which conversation. */
export interface CommandContext {
  /** The Idempotency-Key header, or a fresh id: recorded in every event the command causes. */
  readonly commandId: string;
  /** True when the client sent an Idempotency-Key, so a retry can find the first answer. */
  readonly idempotent: boolean;
  readonly correlationId: string;
  readonly actor: Principal;
  /** SHA-256 of the command's route and canonical body: a reused key with another body is refused. */
  readonly requestHash: string;
  /** From If-Match: the revision the client last saw. */
  readonly expectedRevision?: number;
  /** The trace context of the request (its span), when tracing is on: the command's span is its child. */
  readonly trace?: Context;
}

const HEADER_VALUE = /^[\x21-\x7e]{1,200}$/;

export function commandContext(
  headers: Record<string, string | string[] | undefined>,
  actor: Principal,
  route: string,
  body: unknown,
  trace?: Context,
): CommandContext {
  const key = single(headers['idempotency-key'], 'Idempotency-Key');
  const correlationId = single(headers['x-correlation-id'], 'X-Correlation-Id');
  return {
    commandId: key ?? randomUUID(),
    idempotent: key !== undefined,
    correlationId: correlationId ?? randomUUID(),
    actor,
    requestHash: createHash('sha256').update(canonicalJson({ route, body })).digest('hex'),
    expectedRevision: parseIfMatch(headers['if-match']),
    trace,
  };
}

function single(value: string | string[] | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) || !HEADER_VALUE.test(value)) {
    throw new ProblemError(problem(400, 'INVALID_HEADER', `${name} must be one value of 1 to 200 visible ASCII characters`));
  }
  return value;
}

/** `If-Match: "3"` (the ETag of GET /v1/tickets/:id), also accepted unquoted or weak. */
function parseIfMatch(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? /^(?:W\/)?"?(\d{1,15})"?$/.exec(value.trim()) : null;
  if (!match) throw new ProblemError(problem(400, 'INVALID_HEADER', 'If-Match must be a ticket revision, as in "3"'));
  return Number(match[1]);
}

/**
 * The ticket id of a report sent with an Idempotency-Key and no ticketId: derived from the key,
 * so that a retry lands on the same stream and finds its first answer.
 */
export function ticketIdForKey(key: string): string {
  const hex = createHash('sha256').update(`ticket:${key}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
