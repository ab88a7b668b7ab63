import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '../support/http-client';
import { bodies, expectOk, reportBody, startTestApp, storedEvents, timeline, type TestApp } from './harness';

/**
 * The state is the stream: a new process on the same DATA_DIR folds the same events into the
 * same ticket, and the lifecycle goes on where it stopped.
 */
let app: TestApp;

/**
 * The ticket view without what depends on the moment it is read: the clocks' due times, elapsed
 * and paused times move with `now`; which clocks exist and what started and stopped them do not.
 */
function timeless(view: Record<string, any>): Record<string, unknown> {
  const { clocks, ...rest } = view;
  return {
    ...rest,
    clocks: (clocks ?? []).map((clock: Record<string, unknown>) => {
      const { dueAt: _d, elapsedMs: _e, pausedMs: _p, percentUsed: _u, warningThresholdsPassed: _w, explanation: _x, state: _s, ...fixed } = clock;
      return fixed;
    }),
  };
}

const service = (): Client => app.api.as('service');

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('a restart on the same DATA_DIR', () => {
  it('answers the identical state and ETag after a clean stop, and the path continues from there', async () => {
    const t = timeline(2);
    const id = expectOk(await service().post('/v1/tickets', reportBody({ at: t.at(0) })), 201).body.ticketId as string;
    const path = (verb: string) => `/v1/tickets/${id}/${verb}`;
    expectOk(await service().post(path('acknowledge'), bodies.acknowledge({ at: t.at(5) })));
    expectOk(await service().post(path('dispatch'), bodies.dispatch('eng-li', 'onsite', { at: t.at(10) })));
    expectOk(await service().post(path('arrive'), bodies.arrive('eng-li', { at: t.at(30) })));
    expectOk(await service().post(path('dispatch'), bodies.dispatch('eng-wang', 'senior', { at: t.at(40) })));
    const keyed = expectOk(await service().post(path('pause'), bodies.pause({ at: t.at(45) }), { 'idempotency-key': 'pause-before-restart' }));
    const before = expectOk(await service().get(`/v1/tickets/${id}`));
    const eventsBefore = storedEvents(app.dataDir, id);

    const exit = await app.restart();
    expect(exit).toEqual({ code: 0, signal: null });

    const after = expectOk(await service().get(`/v1/tickets/${id}`));
    expect(timeless(after.body)).toEqual(timeless(before.body));
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.body).toMatchObject({ status: 'acknowledged', revision: 5, paused: { reason: 'awaiting-parts', since: t.at(45) } });
    expect(storedEvents(app.dataDir, id)).toEqual(eventsBefore);

    // A retry sent before the restart and repeated after it is still the same command.
    const retry = expectOk(await service().post(path('pause'), bodies.pause({ at: t.at(45) }), { 'idempotency-key': 'pause-before-restart' }));
    expect(retry.body).toEqual(keyed.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');

    // The rules still see the history: no business time before the last event, no second acknowledgement.
    const backwards = await service().post(path('resume'), bodies.resume({ at: t.at(44) }));
    expect([400, 409]).toContain(backwards.status);
    expect(backwards.body.code).toBe('AT_BEFORE_LAST_EVENT');
    expect((await service().post(path('acknowledge'), bodies.acknowledge())).status).toBe(409);

    // And the path continues, revisions and positions going on from where they were.
    const resumed = expectOk(await service().post(path('resume'), bodies.resume({ at: t.at(50) })));
    expect(resumed.body.revision).toBe(6);
    expect(BigInt(resumed.body.position) > BigInt(keyed.body.position)).toBe(true);
    expectOk(await service().post(path('arrive'), bodies.arrive('eng-wang', { at: t.at(60) })));
    expectOk(await service().post(path('restore'), bodies.restore({ at: t.at(70) })));
    expectOk(await service().post(path('report'), bodies.report({ at: t.at(80) })));
    const closed = expectOk(await service().post(path('close'), bodies.close({ at: t.at(90) })));
    expect(closed.body.revision).toBe(10);

    const final = expectOk(await service().get(`/v1/tickets/${id}`)).body;
    expect(final).toMatchObject({ status: 'closed', closedAt: t.at(90), revision: 10 });
    expect(final.dispatches.map((d: { escalation: boolean }) => d.escalation)).toEqual([false, true]);
    expect(storedEvents(app.dataDir, id).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('keeps every acknowledged command across a crash (SIGKILL), and nothing twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = expectOk(await service().post('/v1/tickets', reportBody({ customerId: `crash-${i}` })), 201).body.ticketId as string;
      expectOk(await service().post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge()));
      ids.push(id);
    }
    const states = await Promise.all(ids.map(async (id) => expectOk(await service().get(`/v1/tickets/${id}`)).body));

    const exit = await app.restart('SIGKILL');
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });

    for (const [i, id] of ids.entries()) {
      expect(timeless(expectOk(await service().get(`/v1/tickets/${id}`)).body)).toEqual(timeless(states[i]));
      expect(storedEvents(app.dataDir, id).map((e) => e.type)).toEqual(['TicketReported', 'ResponseAcknowledged']);
    }
    expectOk(await service().post(`/v1/tickets/${ids[0]}/restore`, bodies.restore()));
  });
});
