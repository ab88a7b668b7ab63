import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventStoreUnavailable, type EventStore } from '@app/event-store';
import { createApp } from '../../apps/api/src/bootstrap';
import { loadConfig } from '../../apps/api/src/config/app-config';
import { TEST_API_KEYS } from '../support/http-client';

/**
 * /health/ready answers without a key (load balancers ask it), so a failing check must not tell
 * an outsider what failed inside: no file path, no driver message. The app runs in this process
 * on a store whose health check and subscriptions fail as a SQLite file that cannot be read
 * fails, with the file's path in the error, as the adapter words it.
 */

let app: NestFastifyApplication;
let dataDir: string;
let baseUrl: string;

/** The real store, but its health check and its log reads fail with errors that name the file. */
function unreadable(store: EventStore, path: string): EventStore {
  const fail = (): never => {
    throw new EventStoreUnavailable(`cannot open the SQLite event store at ${path}: disk I/O error (SQLITE_IOERR_READ)`);
  };
  const failing: Record<string, unknown> = { checkHealth: async () => fail(), headPosition: async () => fail(), subscribeToAll: fail, readAll: fail, readPagesAfter: fail };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in failing) return failing[property];
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ticket-health-privacy-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_KEYS: TEST_API_KEYS,
    LOG_LEVEL: 'silent',
    // The projections follow through this process's (failing) store, not a worker's own connection.
    PROJECTION_THREAD: 'main',
    RUN_DEADLINE_FOLLOWER: 'false',
    RUN_WEBHOOKS: 'false',
  });
  app = await createApp(config, { decorateEventStore: (store) => unreadable(store, join(dataDir, 'events.db')) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('a failing readiness check, seen without a key', () => {
  it('is a 503 that names each check with a fixed reason, and holds no path and no error text', async () => {
    // The projections record their failure at their first attempt to read the log.
    const deadline = Date.now() + 10_000;
    let answer = await fetch(`${baseUrl}/health/ready`);
    let body = (await answer.json()) as any;
    while (body?.error?.projections === undefined && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 50));
      answer = await fetch(`${baseUrl}/health/ready`);
      body = (await answer.json()) as any;
    }

    expect(answer.status).toBe(503);
    expect(body.error.eventStore).toEqual({ status: 'down', reason: 'the event store does not answer' });
    expect(body.error.projections.status).toBe('down');
    const failures = body.error.projections.projections.map((p: { name: string; failure?: string }) => [p.name, p.failure]);
    expect(failures.sort()).toEqual([
      ['satisfaction', 'the projection stopped and is retrying'],
      ['schedule', 'the projection stopped and is retrying'],
      ['service-network', 'the projection stopped and is retrying'],
      ['sla-compliance', 'the projection stopped and is retrying'],
      ['warranty-archive', 'the projection stopped and is retrying'],
    ]);
    const text = JSON.stringify(body);
    expect(text).not.toContain(dataDir);
    expect(text).not.toMatch(/events\.db|SQLITE|disk I\/O|\/tmp\//);
  });
});
