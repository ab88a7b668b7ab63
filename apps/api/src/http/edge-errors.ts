import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problem, ProblemError, PROBLEM_CONTENT_TYPE } from './problem';

/** Headers every answer carries, the ones Fastify writes before routing included. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

const FRAMEWORK_CODES: Record<string, string> = {
  FST_ERR_BAD_URL: 'MALFORMED_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'PATH_PARAMETER_TOO_LONG',
};

/** Errors Fastify meets before a route is found (a malformed URL, an overlong path parameter), as problem+json. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 400;
  const code = FRAMEWORK_CODES[error.code] ?? 'BAD_REQUEST';
  const detail = code === 'PATH_PARAMETER_TOO_LONG' ? 'a path parameter is longer than allowed' : 'the URL is not valid';
  void reply
    .status(status)
    .headers({ ...SECURITY_HEADERS, 'content-type': PROBLEM_CONTENT_TYPE })
    .send({ ...problem(status, code, detail), instance: (request.url ?? '').split('?')[0].slice(0, 200) });
}

/**
 * Errors Node's HTTP parser meets before Fastify sees a request (headers too large, a malformed
 * request line): a problem+json answer written on the socket, then the connection is closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const code = status === 431 ? 'HEADERS_TOO_LARGE' : status === 408 ? 'REQUEST_TIMEOUT' : 'MALFORMED_REQUEST';
  const body = JSON.stringify(problem(status, code, status === 431 ? 'the request headers are larger than allowed' : 'the request could not be read'));
  const headers = Object.entries({ ...SECURITY_HEADERS, 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers}\r\n${body}`);
  socket.destroy();
}

/** How deep a JSON body may nest: command bodies are two levels deep at most. */
export const MAX_BODY_DEPTH = 32;

/** Refuses a body nested deeper than MAX_BODY_DEPTH before anything walks it recursively. */
export function checkBodyDepth(body: unknown): void {
  const stack: Array<[unknown, number]> = [[body, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      throw new ProblemError(problem(400, 'BODY_TOO_DEEP', `the body nests deeper than ${MAX_BODY_DEPTH} levels`));
    }
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
}
