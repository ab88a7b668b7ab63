import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort, startAppProcess, tempDataDir, waitFor, type AppProcess } from '../support/app-process';
import { distPresent } from '../support/built';
import { api, TEST_API_KEYS, type Api } from '../support/http-client';

/**
 * The real application over real HTTP, with its data in a temporary DATA_DIR. `restart()` stops it
 * (SIGTERM, a clean shutdown) and starts a new one on the same directory.
 *
 * The app runs as a child process on the compiled code (`dist/`, built by `nest build api`), not
 * in the Jest process: under Jest's ESM mode on Node 20, `createApp()` dies with
 * `process.exit(1)` because SwaggerModule's `import('@fastify/static')` reaches the ESM-only
 * `content-disposition` through a `require`, which Jest's module loader refuses before Node 24.9
 * (and jest.config.mjs lets only `cookie` be transformed). A child process uses Node's own loader.
 */
export interface TestApp {
  readonly dataDir: string;
  readonly url: string;
  readonly api: Api;
  /** What the server wrote to stdout and stderr so far (JSON log lines at LOG_LEVEL warn). */
  output(): string;
  /**
   * Stops the app and starts a new one on the same DATA_DIR; returns how the first one exited.
   * SIGTERM (the default) is a clean shutdown; SIGKILL is a crash.
   */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<Exit>;
  /** Stops the app (if running) and removes DATA_DIR. */
  stop(): Promise<void>;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null } | 'killed after 10 s';

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const data = tempDataDir();
  let running: AppProcess | undefined;
  let log = '';

  const start = async () => {
    await distPresent();
    const child = startAppProcess(
      {
        DATA_DIR: data.path,
        API_KEYS: TEST_API_KEYS,
        LOG_LEVEL: 'warn',
        // These tests drive tickets dated in the past: the deadline follower would add SLA events to
        // them while a test compares states. The follower has tests of its own. The same for the
        // schedule follower and assets accepted years ago.
        RUN_DEADLINE_FOLLOWER: 'false',
        RUN_SCHEDULE_FOLLOWER: 'false',
        SLA_POLICIES_FILE: 'config/sla-policies.json',
        ...env,
      },
      await freePort(),
    );
    running = child;
    // Ready, or the reason it is not: a child that exits during start-up fails the test at once.
    const failed = child.exited.then((exit) => {
      throw new Error(`the app exited during start-up (${JSON.stringify(exit)})`);
    });
    try {
      await Promise.race([waitFor(`${child.baseUrl}/health/ready`), failed]);
    } catch (error) {
      child.child.kill('SIGKILL');
      running = undefined;
      throw new Error(`${(error as Error).message}\n${child.output()}`);
    } finally {
      failed.catch(() => undefined);
    }
  };
  const close = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<Exit | undefined> => {
    const child = running;
    running = undefined;
    if (!child) return undefined;
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill(signal);
    const exit = await Promise.race([
      child.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref()),
    ]);
    if (exit === 'timeout') {
      child.child.kill('SIGKILL');
      await child.exited;
    }
    log += child.output();
    return exit === 'timeout' ? 'killed after 10 s' : exit;
  };

  await start();
  return {
    dataDir: data.path,
    get url() {
      if (!running) throw new Error('the app is not running');
      return running.baseUrl;
    },
    get api() {
      if (!running) throw new Error('the app is not running');
      return api(running.baseUrl);
    },
    output: () => log + (running?.output() ?? ''),
    async restart(signal) {
      const exit = await close(signal);
      await start();
      return exit ?? 'killed after 10 s';
    },
    async stop() {
      await close();
      data.remove();
    },
  };
}

export interface StoredEvent {
  readonly position: number;
  readonly eventId: string;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, any>;
  readonly metadata: Record<string, any>;
  readonly recordedAt: string;
}

/** The events of one ticket as the SQLite file holds them, read with a read-only connection. */
export function storedEvents(dataDir: string, ticketId: string): StoredEvent[] {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT position, event_id, stream, revision, type, data, metadata, recorded_at FROM events WHERE stream = ? ORDER BY revision')
      .all(`ticket-${ticketId}`) as Array<Record<string, any>>;
    return rows.map((row) => ({
      position: Number(row.position),
      eventId: String(row.event_id),
      stream: String(row.stream),
      revision: Number(row.revision),
      type: String(row.type),
      data: JSON.parse(row.data),
      metadata: JSON.parse(row.metadata),
      recordedAt: String(row.recorded_at),
    }));
  } finally {
    db.close();
  }
}

/** The number of events in the whole store. */
export function countAllEvents(dataDir: string): number {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    return Number((db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

/**
 * Business times for a path: `at(n)` is n minutes after a start two hours in the past, whole
 * seconds, canonical UTC; `at.iso(n)` is the canonical form the app stores.
 */
export function timeline(hoursAgo = 2): { at(minutes: number): string; inZone(minutes: number, offset: string): string } {
  const start = Math.floor((Date.now() - hoursAgo * 3_600_000) / 60_000) * 60_000;
  const ms = (minutes: number) => start + minutes * 60_000;
  return {
    at: (minutes) => new Date(ms(minutes)).toISOString(),
    /** The same instant written in another offset, e.g. '+08:00', without milliseconds. */
    inZone: (minutes, offset) => {
      const sign = offset.startsWith('-') ? -1 : 1;
      const [h, m] = offset.slice(1).split(':').map(Number);
      const local = new Date(ms(minutes) + sign * (h * 60 + m) * 60_000).toISOString().slice(0, 19);
      return `${local}${offset}`;
    },
  };
}

/** A valid report body; override any field. */
export function reportBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerId: 'customer-042',
    channel: 'phone',
    kind: 'fault',
    severity: 'major',
    zone: 'urban',
    summary: 'Core switch drops packets; ERP unreachable',
    ...overrides,
  };
}

/** Bodies of the other commands, valid as they stand. */
export const bodies = {
  acknowledge: (extra: Record<string, unknown> = {}) => ({ by: 'desk-agent-7', note: 'Engineer on the way', ...extra }),
  dispatch: (engineerId: string, tier: 'onsite' | 'senior', extra: Record<string, unknown> = {}) => ({ engineerId, tier, ...extra }),
  arrive: (engineerId: string, extra: Record<string, unknown> = {}) => ({ engineerId, ...extra }),
  pause: (extra: Record<string, unknown> = {}) => ({ reason: 'awaiting-parts', ...extra }),
  resume: (extra: Record<string, unknown> = {}) => ({ ...extra }),
  reprioritize: (severity: 'general' | 'major', extra: Record<string, unknown> = {}) => ({ severity, reason: 'Whole floor affected', ...extra }),
  restore: (extra: Record<string, unknown> = {}) => ({ by: 'eng-li', resolution: 'Replaced the line card', ...extra }),
  report: (extra: Record<string, unknown> = {}) => ({
    faultType: 'hardware',
    cause: 'Line card failure',
    method: 'Card swapped, config restored',
    loss: '3 hours of ERP downtime',
    by: 'eng-li',
    ...extra,
  }),
  satisfaction: (kind: 'consultation' | 'onsite' | 'product', score: number, extra: Record<string, unknown> = {}) => ({ kind, score, ...extra }),
  revisit: (extra: Record<string, unknown> = {}) => ({ by: 'desk-agent-7', outcome: 'Customer satisfied, no recurrence', ...extra }),
  close: (extra: Record<string, unknown> = {}) => ({ by: 'desk-agent-7', ...extra }),
  reopen: (extra: Record<string, unknown> = {}) => ({ reason: 'Fault came back', ...extra }),
};

/**
 * The full fault path after its report (at minute 0): twelve commands, one event each, at these
 * minutes: acknowledge, dispatch on-site, arrive, dispatch senior, arrive, pause, resume, restore,
 * file the report, rate on-site, revisit, close.
 */
export const FULL_PATH_MINUTES = [0, 5, 10, 25, 30, 50, 55, 65, 80, 90, 95, 100, 110];
/** The thirteen event types of the full path, report included. */
export const FULL_PATH_TYPES = [
  'TicketReported',
  'ResponseAcknowledged',
  'EngineerDispatched',
  'EngineerArrived',
  'EngineerDispatched',
  'EngineerArrived',
  'TicketPaused',
  'TicketResumed',
  'Restored',
  'ReportFiled',
  'SatisfactionRated',
  'RevisitCompleted',
  'TicketClosed',
];

/** The commands of the full path after the report, as [verb, body], timed on `t`. */
export function fullPathSteps(t: { at(minutes: number): string }): Array<[string, Record<string, unknown>]> {
  return [
    ['acknowledge', bodies.acknowledge({ at: t.at(5) })],
    ['dispatch', bodies.dispatch('eng-li', 'onsite', { at: t.at(10) })],
    ['arrive', bodies.arrive('eng-li', { at: t.at(25) })],
    ['dispatch', bodies.dispatch('eng-wang', 'senior', { at: t.at(30) })],
    ['arrive', bodies.arrive('eng-wang', { at: t.at(50) })],
    ['pause', bodies.pause({ at: t.at(55) })],
    ['resume', bodies.resume({ at: t.at(65) })],
    ['restore', bodies.restore({ at: t.at(80) })],
    ['report', bodies.report({ at: t.at(90) })],
    ['satisfaction', bodies.satisfaction('onsite', 5, { at: t.at(95) })],
    ['revisit', bodies.revisit({ at: t.at(100) })],
    ['close', bodies.close({ at: t.at(110) })],
  ];
}

/** Asserts a 2xx command answer and returns it, with the problem in the failure message otherwise. */
export function expectOk<T extends { status: number; text: string }>(answer: T, status = 200): T {
  if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}: ${answer.text}`);
  return answer;
}

/**
 * Registers an asset that tickets can be reported against: accepted on 2026-01-01, five years of
 * `network` and `other` coverage, one relocation, one rebuild and one inspection a year.
 */
export async function registerAsset(service: { post(path: string, body?: unknown): Promise<{ status: number; text: string }> }, assetId: string): Promise<void> {
  expectOk(
    await service.post('/v1/assets', {
      assetId,
      customerId: 'customer-1',
      name: 'HQ network',
      kind: 'it-system',
      acceptedAt: '2026-01-01',
      coverages: [{ category: 'network', years: 5 }, { category: 'other', years: 5 }],
      entitlements: { relocation: 1, rebuild: 1, inspectionsPerYear: 1 },
      at: '2026-01-01T09:00:00Z',
    }),
    201,
  );
}
