/**
 * A small HTTP client for the end-to-end tests: real requests with Node's global `fetch`, one
 * API key per role, answers as `{ status, headers, body, text }` so that assertions read short.
 */

export type Role = 'service' | 'auditor' | 'analyst' | 'admin';

/** The keys the e2e apps are started with: one per role, all 16+ characters. */
export const TEST_KEYS: Readonly<Record<Role, string>> = {
  service: 'service-key-0123456789',
  auditor: 'auditor-key-0123456789',
  analyst: 'analyst-key-0123456789',
  admin: 'admin-key-0123456789',
};

/** `API_KEYS` for the e2e apps, built from TEST_KEYS. */
export const TEST_API_KEYS = (Object.entries(TEST_KEYS) as Array<[Role, string]>).map(([role, key]) => `${role}:${key}`).join(',');

export interface HttpAnswer<T = any> {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  readonly body: T;
  /** The raw body text, for assertions on what must never be in it (stack traces, keys). */
  readonly text: string;
}

export interface RequestOptions {
  readonly method: string;
  readonly path: string;
  /** An object is sent as JSON; a string is sent as it is (with `contentType`, JSON by default). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly contentType?: string;
}

export interface Client {
  get<T = any>(path: string, headers?: Record<string, string>): Promise<HttpAnswer<T>>;
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer<T>>;
  send<T = any>(options: RequestOptions): Promise<HttpAnswer<T>>;
}

export interface Api extends Client {
  /** A client that sends the key of `role`. */
  as(role: Role): Client;
  /** A client that sends `Authorization: Bearer <key>` with any key. */
  withKey(key: string): Client;
}

/** `api(url).as('service').post('/v1/tickets', {...})`; `api(url).get(...)` sends no key. */
export function api(baseUrl: string): Api {
  const anonymous = client(baseUrl, undefined);
  return {
    ...anonymous,
    as: (role) => client(baseUrl, `Bearer ${TEST_KEYS[role]}`),
    withKey: (key) => client(baseUrl, `Bearer ${key}`),
  };
}

function client(baseUrl: string, authorization: string | undefined): Client {
  const send = async <T>({ method, path, body, headers = {}, contentType }: RequestOptions): Promise<HttpAnswer<T>> => {
    const all: Record<string, string> = { ...(authorization ? { authorization } : {}) };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      all['content-type'] = contentType ?? 'application/json';
    }
    Object.assign(all, headers);
    const response = await fetch(new URL(path, baseUrl), { method, headers: all, body: payload });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };
  return {
    send,
    get: (path, headers) => send({ method: 'GET', path, headers }),
    post: (path, body = {}, headers) => send({ method: 'POST', path, body, headers }),
  };
}
