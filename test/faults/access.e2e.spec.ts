import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, startAppProcess, tempDataDir, waitFor, type AppProcess } from '../support/app-process';
import { api, TEST_API_KEYS, TEST_KEYS, type HttpAnswer, type Role } from '../support/http-client';
import { countAllEvents } from '../e2e/harness';

/**
 * Nobody gets in (the service contract). Every route of the OpenAPI document is walked: without
 * a key (or with a bad one) it is a 401, except the public ones; each role that may not call it
 * gets a 403; the roles that may call it get past the guard. Keys never reach the log, even at
 * LOG_LEVEL=debug; a generated key file is private (0600) and only its path is logged. Every
 * answer carries the security headers. The production dependencies have no high or critical
 * advisory (when the registry's audit endpoint answers).
 */

const ROLES: readonly Role[] = ['service', 'auditor', 'analyst', 'admin'];
const WRONG_KEY = 'wrong-key-0123456789abcdef';
/** The app never sends webhooks anywhere but this machine, and the store changes only by the test. */
const QUIET = { RUN_DEADLINE_FOLLOWER: 'false', RUN_WEBHOOKS: 'false', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_ALLOW_HTTP: 'true' };

interface Route {
  readonly method: string;
  readonly path: string;
  readonly secured: boolean;
}

/**
 * Who may call a route, per the service contract (admin may call everything): service sends
 * commands and reads ticket (and asset) state; auditors read histories, replays, verify and the
 * warranty archive; analysts read the views (the schedule, the service desk too). A route the service contract does not name is for admins only,
 * which is also the guard's rule for a route without @Roles.
 */
function mayCall(route: Route): readonly Role[] {
  const { method, path } = route;
  if (path.startsWith('/v1/webhooks')) return ['admin'];
  // The service network (issue 18): admins write; units are read by service, auditors and analysts, engineers by service and analysts.
  if (method === 'GET' && /^\/v1\/units(\/\{id\})?$/.test(path)) return ['service', 'auditor', 'analyst', 'admin'];
  if (method === 'GET' && path === '/v1/engineers/{id}') return ['service', 'analyst', 'admin'];
  if (path.startsWith('/v1/units') || path.startsWith('/v1/engineers')) return ['admin'];
  if (path.startsWith('/v1/views/warranty-archive')) return ['analyst', 'auditor', 'admin'];
  // Issue 19: the schedule is for the desk that books the visits as much as for analysts.
  if (path.startsWith('/v1/views/schedule')) return ['analyst', 'service', 'admin'];
  if (path.startsWith('/v1/views/')) return ['analyst', 'admin'];
  // The dashboard's live alarms are the analysts'.
  if (path.startsWith('/v1/stream/')) return ['analyst', 'admin'];
  // The service network's monthly service-quality form is an analyst's view like the others.
  if (path.startsWith('/v1/reports/')) return ['analyst', 'admin'];
  if (path === '/v1/audit/verify' || path.startsWith('/v1/audit/')) return ['auditor', 'admin'];
  if (method === 'GET' && /^\/v1\/(tickets|assets)\/\{id\}\/history$/.test(path)) return ['auditor', 'admin'];
  if (method === 'GET' && path === '/v1/tickets/{id}/state') return ['auditor', 'admin'];
  if (method === 'GET' && /^\/v1\/(tickets|assets)\/\{id\}$/.test(path)) return ['service', 'auditor', 'admin'];
  if (method === 'POST' && /^\/v1\/(tickets|assets)(\/|$)/.test(path)) return ['service', 'admin'];
  return ['admin'];
}

const isPublic = (path: string) => path.startsWith('/health/') || path === '/metrics' || path.startsWith('/docs');

let app: AppProcess;
let data: { path: string; remove(): void };
let routes: Route[];

/** Waits (up to 60 s) while a `nest build` in another shell has emptied dist/. */
async function distReady(): Promise<void> {
  const main = resolve(process.cwd(), 'dist/apps/api/src/main.js');
  if (existsSync(main)) return;
  const deadline = Date.now() + 60_000;
  while (!existsSync(main) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 250));
  await new Promise((done) => setTimeout(done, 1_000));
}

async function start(env: Record<string, string>, dataDir: string): Promise<AppProcess> {
  await distReady();
  const child = startAppProcess({ DATA_DIR: dataDir, RATE_LIMIT_PER_SECOND: '0', ...QUIET, ...env }, await freePort());
  try {
    await waitFor(`${child.baseUrl}/health/ready`);
  } catch (error) {
    child.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${child.output()}`);
  }
  return child;
}

async function stop(child: AppProcess): Promise<void> {
  if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGTERM');
  await child.exited;
}

beforeAll(async () => {
  data = tempDataDir();
  app = await start({ API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'debug' }, data.path);
  const doc = (await api(app.baseUrl).get('/docs/json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({ method: method.toUpperCase(), path, secured: Array.isArray(op.security) && op.security.length > 0 })),
  );
}, 60_000);

afterAll(async () => {
  if (app) await stop(app);
  data?.remove();
});

/**
 * One request to `route` with every path parameter a fresh UUID and, for a POST, an empty JSON body.
 * A stream (server-sent events) that opens never ends by itself: its status and headers are taken
 * and the connection closed.
 */
async function call(route: Route, headers: Record<string, string>): Promise<HttpAnswer> {
  const path = route.path.replace(/\{\w+\}/g, () => randomUUID());
  if (route.path.startsWith('/v1/stream/')) {
    const abort = new AbortController();
    const response = await fetch(`${app.baseUrl}${path}`, { headers, signal: abort.signal });
    const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
    const text = streaming ? '' : await response.text();
    abort.abort();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, body, text };
  }
  return api(app.baseUrl).send({ method: route.method, path, body: route.method === 'POST' || route.method === 'PUT' ? {} : undefined, headers });
}

function expectProblem(answer: HttpAnswer, status: number, what: string): void {
  expect({ what, status: answer.status, contentType: answer.headers.get('content-type'), code: answer.body?.code }).toEqual({
    what,
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    code: status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
  });
}

describe('every route of the OpenAPI document', () => {
  it('lists the routes of the service contract, each protected one marked as needing a bearer key', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of ['POST /v1/tickets', 'GET /v1/tickets/{id}', 'GET /v1/tickets/{id}/history', 'GET /v1/audit/verify', 'GET /v1/views/sla-compliance', 'GET /v1/views/satisfaction',
      'POST /v1/units', 'GET /v1/units', 'GET /v1/units/{id}', 'POST /v1/engineers', 'GET /v1/engineers/{id}',
      'GET /v1/views/engineers', 'GET /v1/views/customers', 'GET /v1/reports/service-quality']) {
      expect(names).toContain(expected);
    }
    expect(routes.filter((r) => !r.secured && !isPublic(r.path)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('answers 401 problem+json (with WWW-Authenticate) without a key, with a wrong key and with a malformed header; public routes answer without one', async () => {
    const before = countAllEvents(data.path);
    const wrong: string[] = [];
    for (const route of routes) {
      if (isPublic(route.path)) {
        const answer = await call(route, {});
        if (answer.status !== 200) wrong.push(`${route.method} ${route.path} (public) -> ${answer.status}`);
        continue;
      }
      for (const authorization of [undefined, `Bearer ${WRONG_KEY}`, `Basic ${TEST_KEYS.admin}`, TEST_KEYS.admin, 'Bearer', `Bearer ${TEST_KEYS.admin} extra`, `Bearer ${TEST_KEYS.admin.toUpperCase()}`]) {
        const answer = await call(route, authorization === undefined ? {} : { authorization });
        if (answer.status !== 401 || !/^application\/problem\+json/.test(answer.headers.get('content-type') ?? '') || answer.headers.get('www-authenticate') !== 'Bearer') {
          wrong.push(`${route.method} ${route.path} with ${authorization === undefined ? 'no key' : JSON.stringify(authorization.replace(TEST_KEYS.admin, '<admin key>'))} -> ${answer.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    for (const path of ['/health/live', '/health/ready', '/metrics', '/docs', '/docs/json']) {
      expect({ path, status: (await api(app.baseUrl).get(path)).status }).toEqual({ path, status: 200 });
    }
    expect(countAllEvents(data.path)).toBe(before);
  }, 60_000);

  it('answers 403 problem+json to each role that may not call a route, and lets the others past the guard', async () => {
    const before = countAllEvents(data.path);
    const wrong: string[] = [];
    for (const route of routes.filter((r) => !isPublic(r.path))) {
      const allowed = mayCall(route);
      for (const role of ROLES) {
        const answer = await call(route, { authorization: `Bearer ${TEST_KEYS[role]}` });
        if (allowed.includes(role)) {
          if (answer.status === 401 || answer.status === 403) wrong.push(`${role} ${route.method} ${route.path}: ${answer.status}, should pass`);
        } else {
          try {
            expectProblem(answer, 403, `${role} ${route.method} ${route.path}`);
          } catch {
            wrong.push(`${role} ${route.method} ${route.path}: ${answer.status} ${answer.body?.code ?? ''}, should be 403`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    // Refused before anything was written; the allowed calls carried invalid bodies or unknown ids.
    expect(countAllEvents(data.path)).toBe(before);
  }, 60_000);

  it('sets the security headers on every kind of answer', async () => {
    const client = api(app.baseUrl);
    const answers: Array<[string, HttpAnswer]> = [
      ['200 health', await client.get('/health/live')],
      ['200 docs', await client.get('/docs')],
      ['200 metrics', await client.get('/metrics')],
      ['200 view', await client.as('analyst').get('/v1/views/sla-compliance')],
      ['400', await client.as('service').post('/v1/tickets', {})],
      ['401', await client.get('/v1/audit/verify')],
      ['403', await client.as('analyst').get('/v1/audit/verify')],
      ['404', await client.as('service').get(`/v1/tickets/${randomUUID()}`)],
      ['404 no route', await client.get('/v1/no-such-route')],
      ['415', await client.as('service').send({ method: 'POST', path: '/v1/tickets', body: 'a=b', contentType: 'application/x-www-form-urlencoded' })],
    ];
    for (const [what, answer] of answers) {
      expect({ what, nosniff: answer.headers.get('x-content-type-options'), frame: answer.headers.get('x-frame-options') }).toEqual({ what, nosniff: 'nosniff', frame: 'DENY' });
    }
  });

  it('never writes a key to the log, even at LOG_LEVEL=debug, whatever header form it came in', async () => {
    const client = api(app.baseUrl);
    for (const role of ROLES) {
      for (const authorization of [`Bearer ${TEST_KEYS[role]}`, `bearer ${TEST_KEYS[role]}`, TEST_KEYS[role], `Basic ${TEST_KEYS[role]}`]) {
        await client.send({ method: 'GET', path: '/v1/audit/verify', headers: { authorization } });
        await client.send({ method: 'POST', path: '/v1/tickets', body: { summary: 'x' }, headers: { authorization } });
        await client.send({ method: 'GET', path: `/v1/tickets/${randomUUID()}`, headers: { authorization } });
      }
    }
    await client.withKey(WRONG_KEY).get('/v1/views/satisfaction');
    // Stop the app so that everything it had to say is out.
    await stop(app);
    const output = app.output();
    // The debug log did log the requests, with their headers, and the authorization redacted.
    expect(output).toContain('"authorization":"[redacted]"');
    expect(output.split('\n').filter((line) => line.includes('/v1/audit/verify')).length).toBeGreaterThanOrEqual(ROLES.length);
    for (const [role, key] of [...Object.entries(TEST_KEYS), ['wrong', WRONG_KEY]]) {
      expect({ role, inLog: output.includes(key) }).toEqual({ role, inLog: false });
    }
    app = await start({ API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'debug' }, data.path);
  }, 60_000);
});

describe('a generated key file (no API_KEYS)', () => {
  it('is created with mode 0600 under DATA_DIR; the log names its path, never a key; the keys work and survive a restart', async () => {
    const dir = tempDataDir();
    let first: AppProcess | undefined;
    let second: AppProcess | undefined;
    try {
      first = await start({ LOG_LEVEL: 'info' }, dir.path);
      const file = join(dir.path, 'api-keys.json');
      expect(existsSync(file)).toBe(true);
      expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
      const keys = (JSON.parse(readFileSync(file, 'utf8')) as { keys: Array<{ role: Role; key: string }> }).keys;
      expect(keys.map((k) => k.role).sort()).toEqual([...ROLES].sort());
      const service = keys.find((k) => k.role === 'service')!.key;
      const analyst = keys.find((k) => k.role === 'analyst')!.key;
      expect((await api(first.baseUrl).withKey(service).post('/v1/tickets', {})).status).toBe(400);
      expect((await api(first.baseUrl).withKey(analyst).post('/v1/tickets', {})).status).toBe(403);
      expect((await api(first.baseUrl).withKey(TEST_KEYS.service).post('/v1/tickets', {})).status).toBe(401);
      await stop(first);
      expect(first.output()).toContain(file);

      second = await start({ LOG_LEVEL: 'info' }, dir.path);
      expect((await api(second.baseUrl).withKey(service).post('/v1/tickets', {})).status).toBe(400);
      await stop(second);
      expect(second.output()).toContain(file);
      expect((JSON.parse(readFileSync(file, 'utf8')) as { keys: unknown }).keys).toEqual(keys);
      expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
      for (const { role, key } of keys) {
        expect({ role, inLog: first.output().includes(key) || second.output().includes(key) }).toEqual({ role, inLog: false });
      }
    } finally {
      if (first) await stop(first);
      if (second) await stop(second);
      dir.remove();
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// npm audit needs the registry's audit endpoint: run once at load, skipped with its reason when
// the endpoint does not answer (no network, or a mirror without the audit API).

interface AuditOutcome {
  readonly findings?: string[];
  readonly skipped?: string;
}

function npmAudit(): AuditOutcome {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 60_000, cwd: process.cwd() });
  if (run.error) return { skipped: `npm audit did not run: ${run.error.message}` };
  let report: { vulnerabilities?: Record<string, { severity: string; via: unknown[] }>; metadata?: { vulnerabilities?: Record<string, number> }; message?: string; error?: { summary?: string } };
  try {
    report = JSON.parse(run.stdout);
  } catch {
    return { skipped: `npm audit gave no report: ${(run.stderr || run.stdout).split('\n').find((line) => line.trim()) ?? `exit ${run.status}`}` };
  }
  if (!report.metadata?.vulnerabilities) {
    return { skipped: `npm audit gave no report: ${report.message ?? report.error?.summary ?? (run.stderr.split('\n')[0] || `exit ${run.status}`)}` };
  }
  const findings = Object.entries(report.vulnerabilities ?? {})
    .filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
    .map(([name, v]) => `${name} (${v.severity})`);
  return { findings };
}

const audit = npmAudit();
const itAudit = audit.skipped ? it.skip : it;

describe('production dependencies', () => {
  itAudit(
    audit.skipped ? `npm audit --omit=dev (skipped: ${audit.skipped})` : 'npm audit --omit=dev finds no high or critical advisory',
    () => {
      expect(audit.findings).toEqual([]);
    },
  );
});
