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
