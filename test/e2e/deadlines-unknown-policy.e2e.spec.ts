import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/api/src/bootstrap';
import { loadConfig } from '../../apps/api/src/config/app-config';
import { tempDataDir } from '../support/app-process';
import { api, TEST_API_KEYS, type Api } from '../support/http-client';
import { reportBody, storedEvents } from './harness';

/**
 * Deadlines that can raise nothing must not hold up the others. Tickets reported under a policy
 * version that the policies file no longer has (an operator removed it) keep a due deadline in
 * the SLA view that no event will ever move. 150 of them, all due before one good ticket's
 * deadline: the good ticket's warning is still raised.
 */

const STUCK_TICKETS = 150;
const minutesAgo = (minutes: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - minutes * 60_000).toISOString();

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the deadline follower with deadlines of a policy version that is gone', () => {
  const data = tempDataDir();
  const apps: NestFastifyApplication[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    data.remove();
  });

  /** The app in this process on `data`, with the policies of `policiesFile`. */
  const start = async (policiesFile: string, env: Record<string, string>): Promise<Api> => {
    const config = loadConfig({
      DATA_DIR: data.path,
      API_KEYS: TEST_API_KEYS,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_SECOND: '0',
      RUN_WEBHOOKS: 'false',
      SLA_POLICIES_FILE: policiesFile,
      ...env,
    });
    const app = await createApp(config);
    apps.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return api(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
  };

  it(`raises a good ticket's warning behind ${STUCK_TICKETS} due deadlines whose policy version is not in the file`, async () => {
    const shipped = JSON.parse(readFileSync('config/sla-policies.json', 'utf8')) as { policies: Array<{ id: string }> };
    const itPlan = shipped.policies.find((p) => p.id === 'it-support-plan')!;
    const withRetired = join(data.path, 'policies-with-retired.json');
    const withoutRetired = join(data.path, 'policies.json');
    writeFileSync(withRetired, JSON.stringify({ ...shipped, policies: [...shipped.policies, { ...itPlan, id: 'retired-plan', name: 'A plan the operator removed later' }] }));
    writeFileSync(withoutRetired, JSON.stringify(shipped));

    // Under the file that still has it, no follower running: the tickets' deadlines are stored.
    const before = await start(withRetired, { RUN_DEADLINE_FOLLOWER: 'false' });
    let position = '';
    for (let i = 0; i < STUCK_TICKETS; i++) {
      const report = await before.as('service').post('/v1/tickets', reportBody({ policyId: 'retired-plan', at: minutesAgo(180 - i / 10), customerId: `stuck-${i}` }));
      expect(report.status).toBe(201);
      position = report.body.position as string;
    }
    expect((await before.as('analyst').get(`/v1/views/sla-compliance?minPosition=${position}`)).status).toBe(200);
    await apps.pop()!.close();

    // The file without it, and the follower on. The good ticket's warning (15 of its 30 minutes)
    // fell due about 45 minutes ago, after every stuck deadline.
    const after = await start(withoutRetired, { RUN_DEADLINE_FOLLOWER: 'true' });
    const good = await after.as('service').post('/v1/tickets', reportBody({ at: minutesAgo(60), customerId: 'good' }));
    expect(good.status).toBe(201);
    const ticketId = good.body.ticketId as string;
    const raised = await until('the good ticket to be warned', () => {
      const types = storedEvents(data.path, ticketId).map((event) => event.type);
      return types.includes('SlaWarningReached') ? types : undefined;
    });
    expect(raised[0]).toBe('TicketReported');
    expect(raised.filter((type) => type === 'SlaWarningReached').length).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
