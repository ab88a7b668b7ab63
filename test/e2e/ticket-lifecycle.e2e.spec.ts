import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client, HttpAnswer } from '../support/http-client';
import { bodies, expectOk, registerAsset, reportBody, startTestApp, storedEvents, timeline, type TestApp } from './harness';

/**
 * The lifecycles of the service contract, driven over HTTP against the real application: every answer,
 * the final state of GET /v1/tickets/:id, and the events the store holds afterwards.
 */
let app: TestApp;
let service: Client;

beforeAll(async () => {
  app = await startTestApp();
  service = app.api.as('service');
});
afterAll(async () => {
  await app?.stop();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Sends a command and checks the answer's shape: its ticket, revision, position and ETag. */
async function command(path: string, body: unknown, ticketId: string, revision: number): Promise<HttpAnswer> {
  const answer = expectOk(await service.post(path, body));
  expect(answer.body).toEqual({ ticketId, revision, position: expect.stringMatching(/^\d+$/) });
  expect(answer.headers.get('etag')).toBe(`"${revision}"`);
  return answer;
}

async function state(ticketId: string): Promise<HttpAnswer> {
  return expectOk(await service.get(`/v1/tickets/${ticketId}`));
}

describe('a fault from report to close', () => {
  it('takes every step with increasing business times, escalates to a senior engineer, and the state and the store say exactly what happened', async () => {
    const t = timeline(2);
    // The report is given in +08:00 and without milliseconds: the app stores canonical UTC.
    const reported = expectOk(await service.post('/v1/tickets', reportBody({ at: t.inZone(0, '+08:00') })), 201);
    const id = reported.body.ticketId as string;
    expect(id).toMatch(UUID);
    expect(reported.body).toEqual({ ticketId: id, revision: 0, position: expect.stringMatching(/^\d+$/) });
    expect(reported.headers.get('location')).toBe(`/v1/tickets/${id}`);
    expect(reported.headers.get('etag')).toBe('"0"');

    const answers: HttpAnswer[] = [reported];
    const step = async (path: string, body: unknown) => {
      const answer = await command(`/v1/tickets/${id}/${path}`, body, id, answers.length);
      answers.push(answer);
      return answer;
    };

    await step('acknowledge', bodies.acknowledge({ at: t.at(5) }));
    await step('dispatch', bodies.dispatch('eng-li', 'onsite', { at: t.inZone(10, '-05:00') }));
    await step('arrive', bodies.arrive('eng-li', { at: t.at(25) }));

    // The on-site engineer cannot fix it: a senior engineer is sent, and that is an escalation.
    await step('dispatch', bodies.dispatch('eng-wang', 'senior', { at: t.at(30) }));
    const escalated = (await state(id)).body;
    expect(escalated.dispatches).toEqual([
      { engineerId: 'eng-li', tier: 'onsite', escalation: false, dispatchedAt: t.at(10), arrivedAt: t.at(25), stoodDownAt: null },
      { engineerId: 'eng-wang', tier: 'senior', escalation: true, dispatchedAt: t.at(30), arrivedAt: null, stoodDownAt: null },
    ]);
    expect(escalated.status).toBe('acknowledged');

    await step('arrive', bodies.arrive('eng-wang', { at: t.at(50) }));
    await step('restore', bodies.restore({ at: t.at(60) }));
    await step('report', bodies.report({ at: t.at(70) }));
    await step('satisfaction', bodies.satisfaction('onsite', 5, { comment: 'Quick and tidy', at: t.at(75) }));
    await step('satisfaction', bodies.satisfaction('product', 3, { at: t.at(76) }));
    await step('revisit', bodies.revisit({ at: t.at(80) }));
    await step('close', bodies.close({ at: t.inZone(85, '+05:30') }));

    // Positions follow commit order: each answer's position is after the one before.
    const positions = answers.map((a) => BigInt(a.body.position));
    for (let i = 1; i < positions.length; i++) expect(positions[i] > positions[i - 1]).toBe(true);

    const final = await state(id);
    expect(final.headers.get('etag')).toBe('"11"');
    expect(final.body).toMatchObject({
      ticketId: id,
      status: 'closed',
      revision: 11,
      customerId: 'customer-042',
      channel: 'phone',
      kind: 'fault',
      severity: 'major',
      zone: 'urban',
      summary: 'Core switch drops packets; ERP unreachable',
      policyId: 'it-support-plan',
      policyVersion: 1,
      reportedAt: t.at(0),
      acknowledgedAt: t.at(5),
      acknowledgedBy: 'desk-agent-7',
      paused: null,
      restoredAt: t.at(60),
      restoredBy: 'eng-li',
      resolution: 'Replaced the line card',
      reportFiledAt: t.at(70),
      report: {
        faultType: 'hardware',
        cause: 'Line card failure',
        method: 'Card swapped, config restored',
        loss: '3 hours of ERP downtime',
        by: 'eng-li',
      },
      ratings: {
        consultation: null,
        onsite: { score: 5, comment: 'Quick and tidy', at: t.at(75) },
        product: { score: 3, comment: null, at: t.at(76) },
      },
      revisits: [{ by: 'desk-agent-7', outcome: 'Customer satisfied, no recurrence', at: t.at(80) }],
      closedAt: t.at(85),
      closedBy: 'desk-agent-7',
      reopenCount: 0,
      lastEventAt: t.at(85),
    });
    expect(final.body.dispatches).toEqual([
      { engineerId: 'eng-li', tier: 'onsite', escalation: false, dispatchedAt: t.at(10), arrivedAt: t.at(25), stoodDownAt: null },
      { engineerId: 'eng-wang', tier: 'senior', escalation: true, dispatchedAt: t.at(30), arrivedAt: t.at(50), stoodDownAt: null },
    ]);

    const events = storedEvents(app.dataDir, id);
    expect(events.map((e) => e.type)).toEqual([
      'TicketReported',
      'ResponseAcknowledged',
      'EngineerDispatched',
      'EngineerArrived',
      'EngineerDispatched',
      'EngineerArrived',
      'Restored',
      'ReportFiled',
      'SatisfactionRated',
      'SatisfactionRated',
      'RevisitCompleted',
      'TicketClosed',
    ]);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    expect(events.map((e) => e.stream)).toEqual(events.map(() => `ticket-${id}`));
    expect(events.map((e) => e.data.at)).toEqual([0, 5, 10, 25, 30, 50, 60, 70, 75, 76, 80, 85].map((m) => t.at(m)));
    expect(events.map((e) => String(e.position))).toEqual(answers.map((a) => a.body.position));
    expect(events[4].data).toEqual({ engineerId: 'eng-wang', tier: 'senior', escalation: true, at: t.at(30) });
    expect(events[5].data).toEqual({ engineerId: 'eng-wang', tier: 'senior', at: t.at(50) });
    expect(events[0].data).toMatchObject({ ticketId: id, policyId: 'it-support-plan', policyVersion: 1, at: t.at(0) });
  });

  it('dates a command without `at` at the server time', async () => {
    const before = Date.now();
    const id = expectOk(await service.post('/v1/tickets', reportBody()), 201).body.ticketId;
    const after = Date.now();
    const reportedAt = Date.parse((await state(id)).body.reportedAt);
    expect(reportedAt).toBeGreaterThanOrEqual(before - 1);
    expect(reportedAt).toBeLessThanOrEqual(after + 1);
  });

  it('keeps a ticket id the client chose', async () => {
    const ticketId = '6f1b4c1f-1a01-4a55-9a55-0b3c3a8e8f2a';
    await registerAsset(service, 'asset-hq-network');
    const answer = expectOk(await service.post('/v1/tickets', reportBody({ ticketId, assetId: 'asset-hq-network', category: 'network' })), 201);
    expect(answer.body.ticketId).toBe(ticketId);
    expect(answer.headers.get('location')).toBe(`/v1/tickets/${ticketId}`);
    expect((await state(ticketId)).body).toMatchObject({ ticketId, assetId: 'asset-hq-network', category: 'network', status: 'reported' });
  });
});

describe('dispatches', () => {
  it('calls a senior dispatch an escalation only after an on-site one, and stands down engineers still on the way at restore', async () => {
    const t = timeline(1);
    const id = expectOk(await service.post('/v1/tickets', reportBody({ at: t.at(0) })), 201).body.ticketId as string;
    const path = (verb: string) => `/v1/tickets/${id}/${verb}`;
    await command(path('acknowledge'), bodies.acknowledge({ at: t.at(1) }), id, 1);
    await command(path('dispatch'), bodies.dispatch('eng-wang', 'senior', { at: t.at(2) }), id, 2);
    await command(path('dispatch'), bodies.dispatch('eng-li', 'onsite', { at: t.at(3) }), id, 3);
    await command(path('arrive'), bodies.arrive('eng-li', { at: t.at(10) }), id, 4);
    await command(path('restore'), bodies.restore({ at: t.at(20) }), id, 5);

    expect((await state(id)).body.dispatches).toEqual([
      // Senior first: no on-site engineer had been sent, so no escalation; restored before arriving.
      { engineerId: 'eng-wang', tier: 'senior', escalation: false, dispatchedAt: t.at(2), arrivedAt: null, stoodDownAt: t.at(20) },
      { engineerId: 'eng-li', tier: 'onsite', escalation: false, dispatchedAt: t.at(3), arrivedAt: t.at(10), stoodDownAt: null },
    ]);
    expect(storedEvents(app.dataDir, id)[2].data).toEqual({ engineerId: 'eng-wang', tier: 'senior', escalation: false, at: t.at(2) });
  });
});

describe('a consultation', () => {
  it('is answered, restored, rated as a consultation and closed without dispatch or incident report', async () => {
    const t = timeline(1);
    const id = expectOk(
      await service.post('/v1/tickets', reportBody({ kind: 'consultation', severity: 'general', channel: 'web', zone: undefined, at: t.at(0) })),
      201,
    ).body.ticketId as string;
    await command(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge({ at: t.at(1) }), id, 1);
    await command(`/v1/tickets/${id}/restore`, bodies.restore({ by: 'desk-agent-7', resolution: 'Explained the VPN settings', at: t.at(4) }), id, 2);
    await command(`/v1/tickets/${id}/satisfaction`, bodies.satisfaction('consultation', 4, { at: t.at(5) }), id, 3);
    await command(`/v1/tickets/${id}/close`, bodies.close({ at: t.at(6) }), id, 4);

    const final = (await state(id)).body;
    expect(final).toMatchObject({
      status: 'closed',
      kind: 'consultation',
      zone: null,
      dispatches: [],
      reportFiledAt: null,
      report: null,
      restoredAt: t.at(4),
      closedAt: t.at(6),
      ratings: { consultation: { score: 4, comment: null, at: t.at(5) }, onsite: null, product: null },
    });
    expect(storedEvents(app.dataDir, id).map((e) => e.type)).toEqual([
      'TicketReported',
      'ResponseAcknowledged',
      'Restored',
      'SatisfactionRated',
      'TicketClosed',
    ]);
  });
});

describe('pause, reprioritize and reopen', () => {
  it('sets and clears the pause, changes the severity once per change, and reopens after restore and after close', async () => {
    const t = timeline(2);
    const id = expectOk(await service.post('/v1/tickets', reportBody({ severity: 'major', at: t.at(0) })), 201).body.ticketId as string;
    const path = (verb: string) => `/v1/tickets/${id}/${verb}`;
    await command(path('acknowledge'), bodies.acknowledge({ at: t.at(2) }), id, 1);

    await command(path('pause'), bodies.pause({ reason: 'awaiting-customer', at: t.at(4) }), id, 2);
    expect((await state(id)).body.paused).toEqual({ reason: 'awaiting-customer', since: t.at(4) });
    await command(path('resume'), bodies.resume({ at: t.at(10) }), id, 3);
    expect((await state(id)).body.paused).toBeNull();

    await command(path('reprioritize'), bodies.reprioritize('general', { reason: 'Only one desk affected', at: t.at(12) }), id, 4);
    let current = (await state(id)).body;
    expect(current.severity).toBe('general');
    expect(current.reprioritizations).toEqual([{ from: 'major', to: 'general', reason: 'Only one desk affected', at: t.at(12) }]);
    const same = await service.post(path('reprioritize'), bodies.reprioritize('general', { at: t.at(13) }));
    expect(same.status).toBe(409);
    expect(same.body.code).toBe('INVALID_TRANSITION');
    expect((await state(id)).body.revision).toBe(4);

    // Restoring a paused ticket restarts its clocks first: two events, two revisions.
    await command(path('pause'), bodies.pause({ at: t.at(14) }), id, 5);
    await command(path('restore'), bodies.restore({ at: t.at(20) }), id, 7);
    current = (await state(id)).body;
    expect(current).toMatchObject({ status: 'restored', paused: null, restoredAt: t.at(20), revision: 7 });

    // Reopen after restore: back to acknowledged, the restoration cleared.
    await command(path('reopen'), bodies.reopen({ at: t.at(25) }), id, 8);
    current = (await state(id)).body;
    expect(current).toMatchObject({ status: 'acknowledged', restoredAt: null, restoredBy: null, resolution: null, reopenCount: 1 });

    await command(path('restore'), bodies.restore({ at: t.at(30) }), id, 9);
    await command(path('report'), bodies.report({ at: t.at(35) }), id, 10);
    await command(path('close'), bodies.close({ at: t.at(40) }), id, 11);

    // Reopen after close: back to acknowledged, closure and report cleared.
    await command(path('reopen'), bodies.reopen({ reason: 'Packets drop again', at: t.at(45) }), id, 12);
    current = (await state(id)).body;
    expect(current).toMatchObject({
      status: 'acknowledged',
      closedAt: null,
      closedBy: null,
      reportFiledAt: null,
      report: null,
      restoredAt: null,
      reopenCount: 2,
    });

    // And the path goes on: restored again, and a new report is needed before closing.
    await command(path('restore'), bodies.restore({ at: t.at(50) }), id, 13);
    const early = await service.post(path('close'), bodies.close({ at: t.at(51) }));
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('INVALID_TRANSITION');
    expect((await state(id)).body).toMatchObject({ status: 'restored', restoredAt: t.at(50), revision: 13 });

    expect(storedEvents(app.dataDir, id).map((e) => e.type)).toEqual([
      'TicketReported',
      'ResponseAcknowledged',
      'TicketPaused',
      'TicketResumed',
      'TicketReprioritized',
      'TicketPaused',
      'TicketResumed',
      'Restored',
      'TicketReopened',
      'Restored',
      'ReportFiled',
      'TicketClosed',
      'TicketReopened',
      'Restored',
    ]);
  });
});
