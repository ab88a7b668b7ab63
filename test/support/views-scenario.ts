import { freePort, startAppProcess, tempDataDir, type AppProcess } from './app-process';
import { distPresent } from './built';
import { api, TEST_API_KEYS, type Api, type Client, type HttpAnswer } from './http-client';

/**
 * Support for the end-to-end tests of the analyst views (test/e2e/views-*.e2e.spec.ts): the real
 * application as a child process on a temporary DATA_DIR (Jest's ESM mode on Node 20 cannot run
 * `createApp()` in process: SwaggerModule's `import('@fastify/static')` ends in process.exit(1)),
 * a desk that sends commands at explicit business times and remembers the last position, and
 * small builders for the figures the views answer.
 */

export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** The canonical form the app stores and answers: UTC with milliseconds. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** `YYYY-MM` of an instant, as groupBy=month keys it (UTC). */
export const monthKey = (ms: number): string => iso(ms).slice(0, 7);

/** `YYYY-MM-DD` of an instant, as groupBy=day keys it (UTC). */
export const dayKey = (ms: number): string => iso(ms).slice(0, 10);

/** `YYYY-Www` of an instant, ISO 8601 week-numbering year and week, as groupBy=week keys it (UTC). */
export function isoWeekKey(ms: number): string {
  const date = new Date(ms);
  const day = (date.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  // The Thursday of the same ISO week decides the week-numbering year.
  const thursday = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The start (00:00 UTC) of the month `offset` months after the month of `ms`. */
export function monthStart(ms: number, offset = 0): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1);
}

/** Now, truncated to the whole second, so that business times are exact. */
export const nowSecond = (): number => Math.floor(Date.now() / SECOND) * SECOND;

// ---------------------------------------------------------------------------------------------
// The application

export interface ViewsApp {
  readonly dataDir: string;
  readonly url: string;
  readonly api: Api;
  readonly service: Client;
  readonly analyst: Client;
  /** Stops the app with SIGTERM (a clean shutdown) and waits for it to exit. */
  close(): Promise<void>;
  /** Starts the app (again) on the same DATA_DIR, on a new port. */
  start(): Promise<void>;
  /** close() then start(). */
  restart(): Promise<void>;
  /** Kills the app with SIGKILL (no shutdown at all) and waits for it to die. */
  crash(): Promise<void>;
  /** close() and remove DATA_DIR. */
  stop(): Promise<void>;
  /** What the servers printed so far. */
  output(): string;
}

/** Starts the built app on a new DATA_DIR, or as one more process on `dataDir` (which `stop()` then leaves in place). */
export async function startViewsApp(env: Record<string, string> = {}, dataDir?: string): Promise<ViewsApp> {
  const data = dataDir === undefined ? tempDataDir() : { path: dataDir, remove: () => undefined };
  let running: AppProcess | undefined;
  let log = '';

  const start = async () => {
    if (running) throw new Error('the app is running already');
    // Another shell may be running `nest build` on the same checkout (it empties dist/ first): a
    // start that dies on a missing compiled module is tried again once the build is through.
    for (let attempt = 1; ; attempt++) {
      await distPresent();
      const child = startAppProcess(
        { DATA_DIR: data.path, API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'warn', SLA_POLICIES_FILE: 'config/sla-policies.json', RUN_DEADLINE_FOLLOWER: 'false', RUN_SCHEDULE_FOLLOWER: 'false', ...env },
        await freePort(),
      );
      running = child;
      const outcome = await ready(child);
      if (outcome === 'ready') return;
      child.child.kill('SIGKILL');
      const exit = await child.exited;
      running = undefined;
      // An exit with nothing printed is a half-written dist/ (an empty main.js runs and ends quietly).
      const output = child.output();
      if (outcome === 'died' && (output.trim() === '' || /MODULE_NOT_FOUND|Cannot find module/.test(output)) && attempt < 5) {
        await new Promise((done) => setTimeout(done, 3_000));
        continue;
      }
      const reason = outcome === 'died' ? `the app exited before it was ready (${JSON.stringify(exit)})` : outcome;
      throw new Error(`${reason}\n${output}`);
    }
  };
  const close = async () => {
    const child = running;
    running = undefined;
    if (!child) return;
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGTERM');
    const exit = await Promise.race([
      child.exited,
      new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 10_000).unref()),
    ]);
    if (exit === 'timeout') {
      child.child.kill('SIGKILL');
      await child.exited;
    }
    log += child.output();
  };
  const current = () => {
    if (!running) throw new Error('the app is not running');
    return running;
  };

  await start();
  return {
    dataDir: data.path,
    get url() {
      return current().baseUrl;
    },
    get api() {
      return api(current().baseUrl);
    },
    get service() {
      return api(current().baseUrl).as('service');
    },
    get analyst() {
      return api(current().baseUrl).as('analyst');
    },
    close,
    start,
    async restart() {
      await close();
      await start();
    },
    async crash() {
      const child = current();
      running = undefined;
      child.child.kill('SIGKILL');
      await child.exited;
      log += child.output();
    },
    async stop() {
      await close();
      data.remove();
    },
    output: () => log + (running?.output() ?? ''),
  };
}

/** Polls /health/ready until it answers 200, the child dies, or 20 s pass. */
async function ready(child: AppProcess, timeoutMs = 20_000): Promise<'ready' | 'died' | string> {
  let dead = false;
  void child.exited.then(() => (dead = true));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (dead) return 'died';
    try {
      const response = await fetch(`${child.baseUrl}/health/ready`);
      if (response.status === 200) return 'ready';
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  return `${child.baseUrl}/health/ready did not answer 200 within ${timeoutMs} ms (${last})`;
}

/** Runs the compiled CLI (`dist/apps/cli/src/main.js`) as a child process. */
export { runCli } from './cli-process';

// ---------------------------------------------------------------------------------------------
// Commands at explicit business times

export interface ReportFields {
  readonly customerId: string;
  readonly severity: 'general' | 'major';
  readonly kind?: 'fault' | 'consultation';
  readonly zone?: 'urban' | 'suburban';
  readonly policyId?: string;
  readonly ticketId?: string;
}

function ok(answer: HttpAnswer, status: number, what: string): HttpAnswer {
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status}: ${answer.text}`);
  return answer;
}

/**
 * Sends commands as the service role. Every ticket is written with explicit `at` times given as
 * offsets from its report time; `position` is the position of the latest command, for minPosition.
 */
export class Desk {
  position = '0';

  constructor(private readonly client: () => Client) {}

  async report(at: number, fields: ReportFields): Promise<TicketScript> {
    const answer = ok(
      await this.client().post('/v1/tickets', {
        channel: 'phone',
        kind: 'fault',
        summary: 'Scenario ticket for the analyst views',
        ...fields,
        at: iso(at),
      }),
      201,
      `report at ${iso(at)}`,
    );
    this.position = answer.body.position;
    return new TicketScript(this, answer.body.ticketId as string, at);
  }

  /** Sends one command to a ticket; keeps its position. */
  async send(ticketId: string, command: string, body: Record<string, unknown>): Promise<HttpAnswer> {
    const answer = ok(await this.client().post(`/v1/tickets/${ticketId}/${command}`, body), 200, `${command} ${ticketId} at ${String(body.at)}`);
    this.position = answer.body.position;
    return answer;
  }
}

/** One ticket's commands; every time is `reportedAt + offset`. */
export class TicketScript {
  constructor(
    private readonly desk: Desk,
    readonly id: string,
    readonly reportedAt: number,
  ) {}

  /** The instant `offset` ms after the report. */
  at(offset: number): number {
    return this.reportedAt + offset;
  }

  private async send(command: string, offset: number, body: Record<string, unknown> = {}): Promise<this> {
    await this.desk.send(this.id, command, { ...body, at: iso(this.at(offset)) });
    return this;
  }

  acknowledge(offset: number) {
    return this.send('acknowledge', offset, { by: 'desk-agent-7' });
  }
  dispatch(engineerId: string, tier: 'onsite' | 'senior', offset: number) {
    return this.send('dispatch', offset, { engineerId, tier });
  }
  arrive(engineerId: string, offset: number) {
    return this.send('arrive', offset, { engineerId });
  }
  pause(offset: number, reason: 'awaiting-parts' | 'awaiting-customer' = 'awaiting-parts') {
    return this.send('pause', offset, { reason });
  }
  resume(offset: number) {
    return this.send('resume', offset);
  }
  reprioritize(severity: 'general' | 'major', offset: number) {
    return this.send('reprioritize', offset, { severity, reason: 'Impact reassessed' });
  }
  restore(offset: number) {
    return this.send('restore', offset, { by: 'eng-on-duty', resolution: 'Service restored' });
  }
  fileReport(offset: number) {
    return this.send('report', offset, { faultType: 'hardware', cause: 'Worn part', method: 'Part replaced', loss: 'None', by: 'eng-on-duty' });
  }
  rate(kind: 'consultation' | 'onsite' | 'product', score: number, offset: number) {
    return this.send('satisfaction', offset, { kind, score });
  }
  revisit(offset: number) {
    return this.send('revisit', offset, { by: 'desk-agent-7', outcome: 'No recurrence' });
  }
  close(offset: number) {
    return this.send('close', offset, { by: 'desk-agent-7' });
  }
  reopen(offset: number) {
    return this.send('reopen', offset, { reason: 'Fault came back' });
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the views

/** A query string from the defined values of `params`. */
export function qs(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * GETs a view (`pathAndQuery`), asking again after the Retry-After of a 503 VIEW_NOT_CAUGHT_UP
 * (the view had not reached `minPosition` within the server's wait) or VIEW_NOT_READY (a view
 * still being built), as the API tells clients to, for up to a minute: on a loaded machine a
 * projection can take longer than that, and that is not what these tests are about.
 */
export async function askView(client: Client, pathAndQuery: string): Promise<HttpAnswer> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await client.get(pathAndQuery);
    const behind = answer.status === 503 && ['VIEW_NOT_CAUGHT_UP', 'VIEW_NOT_READY'].includes(answer.body?.code);
    if (!behind || Date.now() > deadline) return answer;
    await new Promise((done) => setTimeout(done, 1_000 * Number(answer.headers.get('retry-after') ?? 1)));
  }
}

/** GETs a view as the analyst, expecting 200 (after `askView`'s retries); returns the body. */
export async function view(client: Client, path: string, params: Record<string, string | number | undefined> = {}): Promise<any> {
  const answer = await askView(client, `${path}${qs(params)}`);
  if (answer.status !== 200) throw new Error(`GET ${path}${qs(params)}: expected 200, got ${answer.status}: ${answer.text}`);
  return answer.body;
}

/** The figures of one metric in an sla-compliance group. */
export function figures(
  total: number,
  met: number,
  breached: number,
  running: number,
  compliance: number | null,
  target: string | null,
  alarms = { warnings: 0, breaches: 0, escalations: 0 },
) {
  // The scenarios run without the deadline follower, so no SLA events are raised unless a test writes them.
  return { total, met, breached, running, compliance, target, alarms };
}

/** The figures of one satisfaction kind. */
export function kind(rated: number, satisfied: number, rate: number | null, target: number, met: boolean | null) {
  return { rated, satisfied, rate, target, met };
}

/** The lines of a CSV answer without the final empty one. */
export function csvLines(text: string): string[] {
  const lines = text.split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Per-ticket rows without what an open clock measures at the moment of the query (elapsed and
 * paused time, and the due time, which moves while paused): two reads a moment apart agree on the rest.
 */
export function withoutQueryTime<T extends { items: Array<Record<string, unknown>> }>(answer: T): T {
  return {
    ...answer,
    items: answer.items.map((row) => (row.stoppedAt === null ? { ...row, elapsedMs: 'open', pausedMs: 'open', dueAt: 'open' } : row)),
  };
}

/** The same for the CSV form of the rows: the dueAt, elapsedMs and pausedMs columns of open clocks. */
export function csvWithoutQueryTime(text: string): string {
  const [header, ...lines] = csvLines(text);
  const columns = header.split(',');
  const at = (name: string) => columns.indexOf(name);
  return [
    header,
    ...lines.map((line) => {
      const cells = line.split(',');
      if (cells[at('stoppedAt')] === '') for (const name of ['dueAt', 'elapsedMs', 'pausedMs']) cells[at(name)] = 'open';
      return cells.join(',');
    }),
  ].join('\n');
}
