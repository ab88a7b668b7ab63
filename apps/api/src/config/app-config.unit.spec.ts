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
