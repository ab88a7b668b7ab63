import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

describe('PROJECTION_THREAD', () => {
  const env = (value?: string) => ({ DATA_DIR: '/tmp/ticket-engine-config', ...(value === undefined ? {} : { PROJECTION_THREAD: value }) });

  it('auto, the default: the worker thread with two cores or more, the request thread with one', () => {
    expect(loadConfig(env(), 1).projectionThread).toBe('main');
    expect(loadConfig(env(), 2).projectionThread).toBe('worker');
    expect(loadConfig(env(), 16).projectionThread).toBe('worker');
    expect(loadConfig(env('auto'), 1).projectionThread).toBe('main');
    expect(loadConfig(env('AUTO'), 4).projectionThread).toBe('worker');
  });

  it('main or worker as set, whatever the cores', () => {
    expect(loadConfig(env('main'), 8).projectionThread).toBe('main');
    expect(loadConfig(env('worker'), 1).projectionThread).toBe('worker');
  });

  it('refuses anything else, naming the values it takes', () => {
    expect(() => loadConfig(env('both'), 2)).toThrow(ConfigError);
    expect(() => loadConfig(env('both'), 2)).toThrow('PROJECTION_THREAD must be one of auto, main, worker, not "both"');
  });
});

describe('SLA_LATE_ENTRY_GRACE', () => {
  const env = (value?: string) => ({ DATA_DIR: '/tmp/ticket-engine-config', ...(value === undefined ? {} : { SLA_LATE_ENTRY_GRACE: value }) });

  it('PT0S by default: alarms are raised as soon as they are owed', () => {
    expect(loadConfig(env()).slaLateEntryGraceMs).toBe(0);
  });

  it('an ISO 8601 duration, in ms', () => {
    expect(loadConfig(env('PT10M')).slaLateEntryGraceMs).toBe(600_000);
    expect(loadConfig(env('pt1h30m')).slaLateEntryGraceMs).toBe(5_400_000);
    expect(loadConfig(env('PT0S')).slaLateEntryGraceMs).toBe(0);
  });

  it('refuses what is not a duration, or more than a day, naming the variable', () => {
    for (const bad of ['10 minutes', '600', 'P2D', '-PT1M']) {
      expect(() => loadConfig(env(bad))).toThrow(ConfigError);
      expect(() => loadConfig(env(bad))).toThrow(/^SLA_LATE_ENTRY_GRACE must be an ISO 8601 duration/);
    }
  });
});

describe('webhook settings', () => {
  const env = (vars: Record<string, string> = {}) => ({ DATA_DIR: '/tmp/ticket-engine-config', ...vars });

  it('defaults: any public host, https only, 30 days of delivery log', () => {
    const config = loadConfig(env());
    expect(config.webhookAllowedHosts).toBeUndefined();
    expect(config.webhookAllowHttp).toBe(false);
    expect(config.webhookRetentionDays).toBe(30);
  });

  it('WEBHOOK_ALLOWED_HOSTS: host names and IPs in the form a URL host compares with', () => {
    expect(loadConfig(env({ WEBHOOK_ALLOWED_HOSTS: ' CRM.Internal. , 127.0.0.1,[::1], ::FFFF:7f00:1,localhost' })).webhookAllowedHosts).toEqual([
      'crm.internal',
      '127.0.0.1',
      '::1',
      '::ffff:7f00:1',
      'localhost',
    ]);
  });

  it('WEBHOOK_ALLOWED_HOSTS refuses a URL, a port or an empty list, naming the entry', () => {
    expect(() => loadConfig(env({ WEBHOOK_ALLOWED_HOSTS: 'https://crm.internal/' }))).toThrow('WEBHOOK_ALLOWED_HOSTS entries are host names or IP addresses, not "https://crm.internal/"');
    expect(() => loadConfig(env({ WEBHOOK_ALLOWED_HOSTS: 'crm.internal:8443' }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ WEBHOOK_ALLOWED_HOSTS: 'a b' }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ WEBHOOK_ALLOWED_HOSTS: ' , ' }))).toThrow('WEBHOOK_ALLOWED_HOSTS names no host');
  });

  it('WEBHOOK_ALLOW_HTTP and WEBHOOK_RETENTION_DAYS as set, and a bad value stops start-up', () => {
    const config = loadConfig(env({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_RETENTION_DAYS: '0' }));
    expect(config.webhookAllowHttp).toBe(true);
    expect(config.webhookRetentionDays).toBe(0);
    expect(() => loadConfig(env({ WEBHOOK_ALLOW_HTTP: 'yes' }))).toThrow('WEBHOOK_ALLOW_HTTP must be one of true, false, not "yes"');
    expect(() => loadConfig(env({ WEBHOOK_RETENTION_DAYS: '-1' }))).toThrow('WEBHOOK_RETENTION_DAYS must be a whole number from 0 to 36500');
  });
});

describe('the HTTP edge: timeouts, the connection cap and the shutdown grace', () => {
  const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: '/tmp/ticket-engine-config', ...extra });

  it('defaults: a request 30 s, its headers 10 s, keep-alive 72 s, a silent connection 60 s, 1,000 connections, 8 s of grace', () => {
    const config = loadConfig(env(), 2);
    expect(config.httpLimits).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000, connectionTimeoutMs: 60_000, maxConnections: 1000 });
    expect(config.shutdownGraceMs).toBe(8000);
  });

  it('takes each from its variable', () => {
    const config = loadConfig(
      env({
        HTTP_REQUEST_TIMEOUT_MS: '5000',
        HTTP_HEADERS_TIMEOUT_MS: '2000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '1500',
        HTTP_CONNECTION_TIMEOUT_MS: '7000',
        HTTP_MAX_CONNECTIONS: '12',
        SHUTDOWN_GRACE_MS: '0',
      }),
      2,
    );
    expect(config.httpLimits).toEqual({ requestTimeoutMs: 5000, headersTimeoutMs: 2000, keepAliveTimeoutMs: 1500, connectionTimeoutMs: 7000, maxConnections: 12 });
    expect(config.shutdownGraceMs).toBe(0);
  });

  it('a request timeout below 10 s lowers the default headers timeout with it', () => {
    expect(loadConfig(env({ HTTP_REQUEST_TIMEOUT_MS: '3000' }), 2).httpLimits.headersTimeoutMs).toBe(3000);
  });

  it('refuses a headers timeout longer than the request timeout, zero, and values that are not whole numbers', () => {
    expect(() => loadConfig(env({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' }), 2)).toThrow(
      'HTTP_HEADERS_TIMEOUT_MS (6000) must not exceed HTTP_REQUEST_TIMEOUT_MS (5000)',
    );
    expect(() => loadConfig(env({ HTTP_REQUEST_TIMEOUT_MS: '0' }), 2)).toThrow('HTTP_REQUEST_TIMEOUT_MS must be a whole number from 100 to 3600000, not "0"');
    expect(() => loadConfig(env({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '5s' }), 2)).toThrow(ConfigError);
    expect(() => loadConfig(env({ HTTP_CONNECTION_TIMEOUT_MS: '-1' }), 2)).toThrow(ConfigError);
    expect(() => loadConfig(env({ HTTP_MAX_CONNECTIONS: '0' }), 2)).toThrow('HTTP_MAX_CONNECTIONS must be a whole number from 1 to 1000000, not "0"');
    expect(() => loadConfig(env({ SHUTDOWN_GRACE_MS: '600001' }), 2)).toThrow(ConfigError);
  });
});

describe('ESDB_TIMEOUT_MS and ESDB_MAX_CONCURRENT_CALLS', () => {
  const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: '/tmp/ticket-engine-config', EVENT_STORE_URL: 'esdb://127.0.0.1:2113?tls=false', ...extra });

  it('5 s and 64 calls by default, for an EventStoreDB store', () => {
    expect(loadConfig(env()).eventStore).toEqual({
      kind: 'esdb',
      connectionString: 'esdb://127.0.0.1:2113?tls=false',
      timeoutMs: 5000,
      maxConcurrentCalls: 64,
    });
  });

  it('takes other values in range', () => {
    expect(loadConfig(env({ ESDB_TIMEOUT_MS: '15000', ESDB_MAX_CONCURRENT_CALLS: '32' })).eventStore).toMatchObject({ timeoutMs: 15000, maxConcurrentCalls: 32 });
  });

  it('refuses what is not a whole number in range, naming the variable', () => {
    expect(() => loadConfig(env({ ESDB_TIMEOUT_MS: '5s' }))).toThrow(/ESDB_TIMEOUT_MS/);
    expect(() => loadConfig(env({ ESDB_TIMEOUT_MS: '50' }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ ESDB_MAX_CONCURRENT_CALLS: '0' }))).toThrow(/ESDB_MAX_CONCURRENT_CALLS/);
  });

  it('leaves a SQLite store as it is', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/ticket-engine-config', ESDB_TIMEOUT_MS: '5s' }).eventStore.kind).toBe('sqlite');
  });
});

describe('the schedule follower and the test clock', () => {
  const env = (vars: Record<string, string> = {}) => ({ DATA_DIR: '/tmp/ticket-engine-config', ...vars });

  it('defaults: the follower runs, coverage notices 30 and 7 days before, revisits overdue after 7 days, the system clock', () => {
    const config = loadConfig(env());
    expect(config.runScheduleFollower).toBe(true);
    expect(config.schedule).toEqual({ coverageEndingDays: [30, 7], revisitGraceDays: 7 });
    expect(config.clockStart).toBeUndefined();
  });

  it('takes each from its variable: days sorted, longest first, once each; none for no notice', () => {
    const config = loadConfig(env({ RUN_SCHEDULE_FOLLOWER: 'false', SCHEDULE_COVERAGE_ENDING_DAYS: '7, 90,30,7', SCHEDULE_REVISIT_GRACE_DAYS: '0', CLOCK_NOW: '2025-02-01T08:00:00+08:00' }));
    expect(config.runScheduleFollower).toBe(false);
    expect(config.schedule).toEqual({ coverageEndingDays: [90, 30, 7], revisitGraceDays: 0 });
    expect(config.clockStart).toBe('2025-02-01T00:00:00.000Z');
    expect(loadConfig(env({ SCHEDULE_COVERAGE_ENDING_DAYS: 'none' })).schedule.coverageEndingDays).toEqual([]);
  });

  it('refuses days that are not whole days from 1 to 366, a grace beyond a year, and a CLOCK_NOW without a zone', () => {
    for (const bad of ['0', '30,', 'thirty', '400', '-7']) {
      expect(() => loadConfig(env({ SCHEDULE_COVERAGE_ENDING_DAYS: bad }))).toThrow(/^SCHEDULE_COVERAGE_ENDING_DAYS must be whole days from 1 to 366/);
    }
    expect(() => loadConfig(env({ SCHEDULE_REVISIT_GRACE_DAYS: '367' }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ CLOCK_NOW: '2025-02-01T00:00:00' }))).toThrow(/^CLOCK_NOW must be an ISO 8601 date-time with a zone/);
  });
});

describe('AUDIT_SIGNING_KEY_FILE', () => {
  const env = (value?: string) => ({ DATA_DIR: '/tmp/ticket-engine-config', ...(value === undefined ? {} : { AUDIT_SIGNING_KEY_FILE: value }) });

  it('unset: a key generated beside the API keys under DATA_DIR; the tree beside the log', () => {
    expect(loadConfig(env()).auditSigningKey).toEqual({ path: '/tmp/ticket-engine-config/audit-signing-key.pem', generated: true });
    expect(loadConfig(env()).auditTreePath).toBe('/tmp/ticket-engine-config/tree.db');
  });

  it('set: that file, never generated, made absolute', () => {
    expect(loadConfig(env('/secrets/audit.pem')).auditSigningKey).toEqual({ path: '/secrets/audit.pem', generated: false });
    expect(loadConfig(env('keys/audit.pem')).auditSigningKey.path).toBe(`${process.cwd()}/keys/audit.pem`);
  });

  it('refuses a directory, naming the variable', () => {
    expect(() => loadConfig(env('/secrets/'))).toThrow('AUDIT_SIGNING_KEY_FILE must name a file');
  });
});

describe('PII_MASTER_KEY_FILE', () => {
  it('defaults to master.key in DATA_DIR, and says that it is there', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/ticket-engine-config' });
    expect(config.piiMasterKeyFile).toBe('/tmp/ticket-engine-config/master.key');
    expect(config.piiMasterKeyInDataDir).toBe(true);
  });

  it('takes a path outside DATA_DIR, made absolute', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/ticket-engine-config', PII_MASTER_KEY_FILE: '/etc/ticket-engine/master.key' });
    expect(config.piiMasterKeyFile).toBe('/etc/ticket-engine/master.key');
    expect(config.piiMasterKeyInDataDir).toBe(false);
    expect(loadConfig({ DATA_DIR: '/tmp/ticket-engine-config', PII_MASTER_KEY_FILE: 'keys/master.key' }).piiMasterKeyFile).toBe(`${process.cwd()}/keys/master.key`);
  });
});

describe('LOG_FORMAT', () => {
  const base = { DATA_DIR: '/tmp/ticket-engine-config' };

  it('pretty when stdout is a terminal, JSON otherwise', () => {
    expect(loadConfig(base, 2, true).logFormat).toBe('pretty');
    expect(loadConfig(base, 2, false).logFormat).toBe('json');
  });

  it('forced either way by LOG_FORMAT, whatever stdout is', () => {
    expect(loadConfig({ ...base, LOG_FORMAT: 'json' }, 2, true).logFormat).toBe('json');
    expect(loadConfig({ ...base, LOG_FORMAT: 'PRETTY' }, 2, false).logFormat).toBe('pretty');
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadConfig({ ...base, LOG_FORMAT: 'text' }, 2, false)).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, LOG_FORMAT: 'text' }, 2, false)).toThrow('LOG_FORMAT');
  });
});

describe('tracing (OTEL_*)', () => {
  const tracing = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/tmp/ticket-engine-config', ...env }).tracing;

  it('off by default', () => {
    expect(tracing({})).toBe(false);
  });

  it('on when an exporter or an OTLP endpoint is named', () => {
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracing({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(false);
  });

  it('off when OTEL_SDK_DISABLED=true, and an unknown exporter stops start-up', () => {
    expect(tracing({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBe(false);
    expect(() => tracing({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow('OTEL_TRACES_EXPORTER');
  });
});

describe('CUSTOMER_SEGMENTS_FILE', () => {
  const env = (value?: string) => ({ DATA_DIR: '/tmp/ticket-engine-config', ...(value === undefined ? {} : { CUSTOMER_SEGMENTS_FILE: value }) });

  it('config/customer-segments.json by default, made absolute', () => {
    expect(loadConfig(env()).customerSegmentsFile).toBe(resolve('config/customer-segments.json'));
  });

  it('the file named, made absolute', () => {
    expect(loadConfig(env('/etc/engine/segments.json')).customerSegmentsFile).toBe('/etc/engine/segments.json');
    expect(loadConfig(env('deploy/segments.json')).customerSegmentsFile).toBe(resolve('deploy/segments.json'));
  });
});

describe('ASSET_TEMPLATES_FILE', () => {
  it('config/asset-templates.json by default, made absolute; or the path given', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/ticket-engine-config' }).assetTemplatesFile).toBe(resolve('config/asset-templates.json'));
    expect(loadConfig({ DATA_DIR: '/tmp/ticket-engine-config', ASSET_TEMPLATES_FILE: '/etc/engine/templates.json' }).assetTemplatesFile).toBe('/etc/engine/templates.json');
  });
});
