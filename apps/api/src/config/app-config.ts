import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import { defaultEventStoreUrl, parseEventStoreUrl, type EventStoreLocation, type SqliteSynchronous } from '@app/event-store';
import { normalizeInstant, parseIsoDuration, type ScheduleOptions } from '@app/ticketing';

export type Role = 'service' | 'auditor' | 'analyst' | 'admin';
export const ROLES: readonly Role[] = ['service', 'auditor', 'analyst', 'admin'];
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the server reads from its environment, parsed once at start-up. */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly eventStore: EventStoreLocation;
  readonly readModelPath: string;
  /** Keys from API_KEYS; undefined means "generate a key file under DATA_DIR". */
  readonly apiKeys: ReadonlyArray<{ role: Role; key: string }> | undefined;
  readonly slaPoliciesFile: string;
  readonly chargePoliciesFile: string;
  /** CUSTOMER_SEGMENTS_FILE: `{ loyalVisits, lostAfterMonths }` of the customers view. */
  readonly customerSegmentsFile: string;
  /** The asset templates a registration may name (`template`); ASSET_TEMPLATES_FILE. */
  readonly assetTemplatesFile: string;
  readonly sqliteSynchronous: SqliteSynchronous;
  /** Requests per second per key; 0 turns rate limiting off. */
  readonly rateLimitPerSecond: number;
  readonly logLevel: LogLevel;
  /** LOG_FORMAT: `pretty` (pino-pretty, for a person at a terminal) or `json` (one object a line, for collectors). */
  readonly logFormat: 'pretty' | 'json';
  /**
   * Whether spans are exported (OpenTelemetry, OTLP): on when OTEL_TRACES_EXPORTER names an
   * exporter or an OTLP endpoint is set, off when OTEL_SDK_DISABLED=true. The SDK reads the
   * other OTEL_* variables itself.
   */
  readonly tracing: boolean;
  /** Whether this process runs the projection runner (false when `apps/cli project` runs it alone). */
  readonly runProjections: boolean;
  /**
   * Where the projection runner works: a worker thread of its own, or the request thread.
   * PROJECTION_THREAD=auto (the default) takes the worker when the process may use two cores.
   */
  readonly projectionThread: 'worker' | 'main';
  /** How long a live projection lets a burst of commits gather after a batch (RunnerOptions.liveBatchWindowMs). */
  readonly projectionBatchWindowMs: number;
  /** Whether this process raises SLA warnings, breaches and escalations when they fall due. */
  readonly runDeadlineFollower: boolean;
  /** SLA_LATE_ENTRY_GRACE: how long alarms already due when a ticket is recorded wait for its late facts. */
  readonly slaLateEntryGraceMs: number;
  /** Whether this process appends the assets' schedule events (inspections, revisits, coverage ends) when they fall due. */
  readonly runScheduleFollower: boolean;
  /** SCHEDULE_COVERAGE_ENDING_DAYS and SCHEDULE_REVISIT_GRACE_DAYS: when coverage notices and overdue revisits fall. */
  readonly schedule: ScheduleOptions;
  /**
   * CLOCK_NOW, for tests and demos only: the instant the server's clock reads at start-up, running
   * on from there. Undefined: the system clock.
   */
  readonly clockStart: string | undefined;
  /** Whether this process delivers webhooks. */
  readonly runWebhooks: boolean;
  /**
   * WEBHOOK_ALLOWED_HOSTS: when set, the only hosts webhooks may point at, whatever addresses
   * they resolve to (loopback and private included). Undefined: any host whose every address is
   * public (see webhooks/webhook-target.ts).
   */
  readonly webhookAllowedHosts: readonly string[] | undefined;
  /** Whether webhooks may use plain http; https only otherwise. */
  readonly webhookAllowHttp: boolean;
  /** Days delivered and dead deliveries are kept; 0 keeps them for good. */
  readonly webhookRetentionDays: number;
  readonly webhookMaxAttempts: number;
  /** First retry delay; each further one doubles (with jitter). */
  readonly webhookRetryBaseMs: number;
  /** What a client may hold of the HTTP server, and for how long. */
  readonly httpLimits: HttpLimits;
  /** After SIGTERM, how long requests in flight may take before their connections are closed. */
  readonly shutdownGraceMs: number;
  /**
   * The Ed25519 key that signs tree heads (PKCS#8 PEM). `generated`: AUDIT_SIGNING_KEY_FILE was
   * not set, so the key is `<DATA_DIR>/audit-signing-key.pem`, created on first start.
   */
  readonly auditSigningKey: { readonly path: string; readonly generated: boolean };
  /** The Merkle tree of the log: `<DATA_DIR>/tree.db`. */
  readonly auditTreePath: string;
  /**
   * PII_MASTER_KEY_FILE: the master key that wraps the data keys of personal data in keys.db,
   * generated there on first start. Default `<DATA_DIR>/master.key`, which works but puts the key
   * beside what it protects: production keeps it outside DATA_DIR (`piiMasterKeyInDataDir` says so).
   */
  readonly piiMasterKeyFile: string;
  readonly piiMasterKeyInDataDir: boolean;
}

/** The edge of the HTTP server: slow or idle clients are cut off, and the connections counted. */
export interface HttpLimits {
  /** From the first byte of a request to its last: a request whose body stalls is answered 408 and closed. */
  readonly requestTimeoutMs: number;
  /** From the first byte of a request to the end of its headers (a connection that sends nothing included). */
  readonly headersTimeoutMs: number;
  /** How long a kept-alive connection may sit idle between requests. */
  readonly keepAliveTimeoutMs: number;
  /** How long a connection may go without a byte either way (a client that stops reading its answer). */
  readonly connectionTimeoutMs: number;
  /** Open connections at most; the ones beyond are closed as they arrive. */
  readonly maxConnections: number;
}

/** A bad setting: its message is the one line start-up prints before it stops. */
export class ConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `cores`: how many cores the process may use (`os.availableParallelism()`), for PROJECTION_THREAD=auto;
 * `terminal`: whether stdout is a terminal, for LOG_FORMAT's default.
 */
export function loadConfig(env: Env = process.env, cores: number = availableParallelism(), terminal: boolean = process.stdout.isTTY === true): AppConfig {
  const dataDir = absolute(text(env, 'DATA_DIR') ?? './data');
  const storeUrl = text(env, 'EVENT_STORE_URL') ?? defaultEventStoreUrl(dataDir);
  let eventStore: EventStoreLocation;
  try {
    eventStore = parseEventStoreUrl(storeUrl);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (eventStore.kind === 'esdb') {
    eventStore = {
      ...eventStore,
      timeoutMs: integer(env, 'ESDB_TIMEOUT_MS', 5000, 100, 600_000),
      // The server refuses a connection's streams past 100 by default; subscriptions need some of them.
      maxConcurrentCalls: integer(env, 'ESDB_MAX_CONCURRENT_CALLS', 64, 1, 1000),
    };
  }
  const piiMasterKeyFile = absolute(text(env, 'PII_MASTER_KEY_FILE') ?? resolve(dataDir, 'master.key'));
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: text(env, 'HOST') ?? '127.0.0.1',
    dataDir,
    eventStore,
    readModelPath: absolute(text(env, 'READ_MODEL_PATH') ?? resolve(dataDir, 'views.db')),
    apiKeys: apiKeys(text(env, 'API_KEYS')),
    slaPoliciesFile: absolute(text(env, 'SLA_POLICIES_FILE') ?? 'config/sla-policies.json'),
    chargePoliciesFile: absolute(text(env, 'CHARGE_POLICIES_FILE') ?? 'config/charge-policies.json'),
    customerSegmentsFile: absolute(text(env, 'CUSTOMER_SEGMENTS_FILE') ?? 'config/customer-segments.json'),
    assetTemplatesFile: absolute(text(env, 'ASSET_TEMPLATES_FILE') ?? 'config/asset-templates.json'),
    sqliteSynchronous: oneOf(env, 'SQLITE_SYNCHRONOUS', ['FULL', 'NORMAL', 'EXTRA', 'OFF'] as const, 'FULL', true),
    rateLimitPerSecond: integer(env, 'RATE_LIMIT_PER_SECOND', 1000, 0, 1_000_000),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info', false),
    logFormat: oneOf(env, 'LOG_FORMAT', ['pretty', 'json'] as const, terminal ? 'pretty' : 'json', false),
    tracing: tracing(env),
    runProjections: oneOf(env, 'RUN_PROJECTIONS', ['true', 'false'] as const, 'true', false) === 'true',
    projectionThread: projectionThread(oneOf(env, 'PROJECTION_THREAD', ['auto', 'main', 'worker'] as const, 'auto', false), cores),
    projectionBatchWindowMs: integer(env, 'PROJECTION_BATCH_WINDOW_MS', 10, 0, 1000),
    runDeadlineFollower: oneOf(env, 'RUN_DEADLINE_FOLLOWER', ['true', 'false'] as const, 'true', false) === 'true',
    slaLateEntryGraceMs: duration(env, 'SLA_LATE_ENTRY_GRACE', 0, 24 * 60 * 60_000),
    runScheduleFollower: oneOf(env, 'RUN_SCHEDULE_FOLLOWER', ['true', 'false'] as const, 'true', false) === 'true',
    schedule: {
      coverageEndingDays: dayList(env, 'SCHEDULE_COVERAGE_ENDING_DAYS', [30, 7]),
      revisitGraceDays: integer(env, 'SCHEDULE_REVISIT_GRACE_DAYS', 7, 0, 366),
    },
    clockStart: clockStart(text(env, 'CLOCK_NOW')),
    runWebhooks: oneOf(env, 'RUN_WEBHOOKS', ['true', 'false'] as const, 'true', false) === 'true',
    webhookAllowedHosts: allowedHosts(text(env, 'WEBHOOK_ALLOWED_HOSTS')),
    webhookAllowHttp: oneOf(env, 'WEBHOOK_ALLOW_HTTP', ['true', 'false'] as const, 'false', false) === 'true',
    webhookRetentionDays: integer(env, 'WEBHOOK_RETENTION_DAYS', 30, 0, 36_500),
    webhookMaxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 8, 1, 100),
    webhookRetryBaseMs: integer(env, 'WEBHOOK_RETRY_BASE_MS', 1000, 10, 3_600_000),
    httpLimits: httpLimits(env),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 8000, 0, 600_000),
    auditSigningKey: signingKey(text(env, 'AUDIT_SIGNING_KEY_FILE'), dataDir),
    auditTreePath: resolve(dataDir, 'tree.db'),
    piiMasterKeyFile,
    piiMasterKeyInDataDir: !relative(dataDir, piiMasterKeyFile).startsWith('..'),
  };
}

const HOUR_MS = 3_600_000;

/**
 * Keep-alive outlasts the 60 s idle timeout of the usual load balancers, so the balancer, not
 * this server, closes an idle connection (the other order races a request into a reset).
 */
function httpLimits(env: Env): HttpLimits {
  const requestTimeoutMs = integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, HOUR_MS);
  const headersTimeoutMs = integer(env, 'HTTP_HEADERS_TIMEOUT_MS', Math.min(10_000, requestTimeoutMs), 100, HOUR_MS);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs}): the headers are part of the request`);
  }
  return {
    requestTimeoutMs,
    headersTimeoutMs,
    keepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, HOUR_MS),
    connectionTimeoutMs: integer(env, 'HTTP_CONNECTION_TIMEOUT_MS', 60_000, 100, HOUR_MS),
    maxConnections: integer(env, 'HTTP_MAX_CONNECTIONS', 1000, 1, 1_000_000),
  };
}

function signingKey(path: string | undefined, dataDir: string): AppConfig['auditSigningKey'] {
  if (path === undefined) return { path: resolve(dataDir, 'audit-signing-key.pem'), generated: true };
  if (path.endsWith('/')) throw new ConfigError(`AUDIT_SIGNING_KEY_FILE must name a file, not the directory ${JSON.stringify(path)}`);
  return { path: absolute(path), generated: false };
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/**
 * `auto`: the worker thread when a second core can run it beside the requests (on two cores it
 * took the command benchmark from about 3,100 to 3,700 commands/s and its p99 from about 21 to
 * 16 ms), the request thread on one core, where a second thread would only take turns with it.
 */
function projectionThread(setting: 'auto' | 'main' | 'worker', cores: number): 'main' | 'worker' {
  if (setting !== 'auto') return setting;
  return cores >= 2 ? 'worker' : 'main';
}

/** The standard OpenTelemetry switches: an exporter or endpoint named, and the SDK not disabled. */
function tracing(env: Env): boolean {
  if (oneOf(env, 'OTEL_SDK_DISABLED', ['true', 'false'] as const, 'false', false) === 'true') return false;
  const exporters = text(env, 'OTEL_TRACES_EXPORTER');
  if (exporters !== undefined) {
    const names = exporters.split(',').map((name) => name.trim().toLowerCase());
    const unknown = names.find((name) => !['otlp', 'console', 'none'].includes(name));
    if (unknown !== undefined) throw new ConfigError(`OTEL_TRACES_EXPORTER takes otlp, console or none, not ${JSON.stringify(unknown)}`);
    return names.some((name) => name !== 'none');
  }
  return text(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined || text(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined;
}

/** An ISO 8601 duration (`PT10M`), in ms, from 0 to `maxMs`. */
function duration(env: Env, name: string, fallbackMs: number, maxMs: number): number {
  const value = text(env, name);
  if (value === undefined) return fallbackMs;
  const ms = parseIsoDuration(value.toUpperCase());
  if (ms === undefined || ms > maxMs) {
    throw new ConfigError(`${name} must be an ISO 8601 duration from PT0S to ${maxMs / 3_600_000} hours (PT10M, PT1H), not ${JSON.stringify(value)}`);
  }
  return ms;
}

/** Whole days, comma-separated (`30,7`), each from 1 to 366; an empty list is written `none`. */
function dayList(env: Env, name: string, fallback: readonly number[]): readonly number[] {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (value.toLowerCase() === 'none') return [];
  const days = value.split(',').map((entry) => entry.trim());
  if (days.some((day) => !/^\d{1,3}$/.test(day) || Number(day) < 1 || Number(day) > 366)) {
    throw new ConfigError(`${name} must be whole days from 1 to 366, comma-separated (30,7), or none, not ${JSON.stringify(value)}`);
  }
  return [...new Set(days.map(Number))].sort((a, b) => b - a);
}

/** CLOCK_NOW: an ISO 8601 instant with its zone. */
function clockStart(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const instant = normalizeInstant(value);
  if (instant === undefined) throw new ConfigError(`CLOCK_NOW must be an ISO 8601 date-time with a zone (2025-02-01T00:00:00Z), not ${JSON.stringify(value)}`);
  return instant;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T, upper: boolean): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = (upper ? raw.toUpperCase() : raw.toLowerCase()) as T;
  if (!allowed.includes(value)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Host names or IP addresses, comma-separated, as a URL's host compares with them: lower case,
 * IPv4 and IPv6 in their canonical form (`[::1]` and `::1` alike), no trailing dot.
 */
function allowedHosts(value: string | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const hosts = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const bare = entry.replace(/^\[(.*)\]$/, '$1');
      let hostname: string | undefined;
      try {
        hostname = new URL(`http://${isIP(bare) === 6 ? `[${bare}]` : bare}/`).hostname;
      } catch {
        hostname = undefined;
      }
      if (!hostname || (/[/:@?#]/.test(bare) && isIP(bare) !== 6)) {
        throw new ConfigError(`WEBHOOK_ALLOWED_HOSTS entries are host names or IP addresses, not ${JSON.stringify(entry)}`);
      }
      return hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
    });
  if (hosts.length === 0) throw new ConfigError('WEBHOOK_ALLOWED_HOSTS names no host (leave it unset to allow any public host)');
  return hosts;
}

function apiKeys(value: string | undefined): AppConfig['apiKeys'] {
  if (value === undefined) return undefined;
  const keys = value.split(',').map((entry, index) => {
    const separator = entry.indexOf(':');
    const role = entry.slice(0, separator).trim() as Role;
    const key = entry.slice(separator + 1).trim();
    if (separator < 0 || !ROLES.includes(role)) {
      throw new ConfigError(`API_KEYS entry ${index + 1} must be role:key with a role of ${ROLES.join(', ')}`);
    }
    if (key.length < 16 || /\s/.test(key)) throw new ConfigError(`API_KEYS entry ${index + 1}: a key needs at least 16 characters and no spaces`);
    return { role, key };
  });
  if (new Set(keys.map((k) => k.key)).size !== keys.length) throw new ConfigError('API_KEYS holds the same key twice');
  return keys;
}
