/** Headers whose values are secrets: logged as `[redacted]`. */
const SECRET_HEADERS = ['authorization', 'idempotency-key'];

/** The request as logged, its secret headers replaced (the headers object is the request's own: it is copied, not changed). */
export function withoutSecrets<R extends { headers?: Record<string, unknown> }>(req: R): R {
  const headers = req.headers;
  if (!headers || !SECRET_HEADERS.some((name) => headers[name] !== undefined)) return req;
  const censored: Record<string, unknown> = { ...headers };
  for (const name of SECRET_HEADERS) if (censored[name] !== undefined) censored[name] = '[redacted]';
  return { ...req, headers: censored };
}
