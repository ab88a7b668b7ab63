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
