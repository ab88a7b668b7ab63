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
