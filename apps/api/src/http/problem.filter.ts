import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventStoreError } from '@app/event-store';
import { problem, ProblemError, PROBLEM_CONTENT_TYPE, type Problem } from './problem';

/** Seconds a client should wait after a 503 before trying again. */
const RETRY_AFTER_UNAVAILABLE = '2';

/**
 * The one place where errors become HTTP answers: problem+json, stable codes, never a stack trace.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { body, headers } = toProblem(error);
    if (body.status >= 500) this.logger.error({ err: error, code: body.code }, `request failed: ${body.code}`);
    reply
      .status(body.status)
      .headers({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE })
      .send({ ...body, instance: request.url.split('?')[0] });
  }
}

export function toProblem(error: unknown): { body: Problem; headers: Record<string, string> } {
  if (error instanceof ProblemError) return { body: error.problem, headers: error.headers };
  if (error instanceof EventStoreError) return fromStoreError(error);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const detail = httpDetail(error);
    const code = status === 400 && /not valid JSON|JSON/.test(detail) ? 'MALFORMED_BODY' : httpCode(status);
    return { body: problem(status, code, detail), headers: {} };
  }
  const fastify = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return { body: problem(fastify.statusCode, fastifyCode(fastify.statusCode, fastify.code), safeMessage(fastify.message)), headers: {} };
  }
  return { body: problem(500, 'INTERNAL_ERROR', 'the server failed to handle the request; it has been logged'), headers: {} };
}

function fromStoreError(error: EventStoreError): { body: Problem; headers: Record<string, string> } {
  switch (error.code) {
    case 'EVENT_STORE_UNAVAILABLE':
      return {
        body: problem(503, 'STORE_UNAVAILABLE', 'the event store is unavailable; nothing was written, try again'),
        headers: { 'retry-after': RETRY_AFTER_UNAVAILABLE },
      };
    case 'APPEND_OUTCOME_UNKNOWN':
      // The store may have written the events (it did not answer in time, or the connection broke
      // after the request went out): only a retry that cannot apply twice is safe.
      return {
        body: problem(
          503,
          'OUTCOME_UNKNOWN',
          'the event store did not confirm the write and it may have happened; retry with the same Idempotency-Key (a retry without one may apply the command twice)',
        ),
        headers: { 'retry-after': RETRY_AFTER_UNAVAILABLE },
      };
    case 'STREAM_DELETED':
      return { body: problem(410, 'STREAM_DELETED', error.message), headers: {} };
    case 'EVENT_STORE_ACCESS_DENIED':
      // A configuration error of the deployment (the store's ACLs, a proxy), not something a client can retry.
      return { body: problem(500, 'STORE_ACCESS_DENIED', 'the event store refused the server\'s credentials; this has been logged'), headers: {} };
    case 'WRONG_EXPECTED_REVISION':
      return { body: problem(409, 'CONCURRENCY_CONFLICT', 'the ticket changed while the command was decided; try again'), headers: {} };
    case 'STREAM_NOT_FOUND':
      return { body: problem(404, 'NOT_FOUND', error.message), headers: {} };
    case 'CORRUPT_STORED_EVENT':
      // Damaged stored data is the server's problem, and GET /v1/audit/verify names the event.
      return { body: problem(500, 'STORED_EVENT_UNREADABLE', error.message), headers: {} };
    default:
      return { body: problem(400, error.code, error.message), headers: {} };
  }
}

function httpCode(status: number): string {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
  }
}

function httpDetail(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : error.message;
}

function fastifyCode(status: number, code: unknown): string {
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return 'PAYLOAD_TOO_LARGE';
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'EMPTY_BODY';
  if (typeof code === 'string' && code.startsWith('FST_ERR_CTP')) return 'MALFORMED_BODY';
  return httpCode(status);
}

/** Fastify's own 4xx messages are safe to show; nothing else from an error's text is. */
function safeMessage(message: unknown): string | undefined {
  return typeof message === 'string' ? message.slice(0, 300) : undefined;
}
