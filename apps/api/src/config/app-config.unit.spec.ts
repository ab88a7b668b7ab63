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
