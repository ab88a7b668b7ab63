import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { bodies, expectOk, reportBody, startTestApp, storedEvents, type TestApp } from './harness';

/**
 * Tickets in the service network over HTTP: a ticket reported to a dealer takes the dealer's
 * policy, is dispatched only to engineers of the dealer or its manufacturer (the tier from the
 * roster), is handed over to another dealer, and under the dealer policy closes only after the
 * customer signed the repair order. A ticket outside the network behaves as before.
 */

let app: TestApp;
const tag = randomUUID().slice(0, 6);
const ids = { maker: `maker-${tag}`, east: `east-${tag}`, west: `west-${tag}`, eEast: `e-east-${tag}`, eMaker: `e-maker-${tag}`, eWest: `e-west-${tag}`, eGone: `e-gone-${tag}` };
/** A 1x1 PNG as a data URL. */
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_ALLOW_HTTP: 'true', RUN_WEBHOOKS: 'false' });
  const admin = app.api.as('admin');
  expectOk(await admin.post('/v1/units', { unitId: ids.maker, name: 'Maker', kind: 'manufacturer' }), 201);
  expectOk(await admin.post('/v1/units', { unitId: ids.east, name: 'East dealer', kind: 'dealer', parentId: ids.maker, policyId: 'dealer-service' }), 201);
  expectOk(await admin.post('/v1/units', { unitId: ids.west, name: 'West dealer', kind: 'dealer', parentId: ids.maker, policyId: 'dealer-service' }), 201);
  expectOk(await admin.post('/v1/engineers', { engineerId: ids.eEast, name: 'Li', unitId: ids.east, tier: 'onsite' }), 201);
  expectOk(await admin.post('/v1/engineers', { engineerId: ids.eMaker, name: 'Chen', unitId: ids.maker, tier: 'senior' }), 201);
  expectOk(await admin.post('/v1/engineers', { engineerId: ids.eWest, name: 'Zhao', unitId: ids.west, tier: 'onsite' }), 201);
  expectOk(await admin.post('/v1/engineers', { engineerId: ids.eGone, name: 'Wu', unitId: ids.east, tier: 'onsite' }), 201);
  expectOk(await admin.post(`/v1/engineers/${ids.eGone}/leave`, { reason: 'retired' }));
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

async function acknowledgedTicket(extra: Record<string, unknown> = {}): Promise<string> {
  const service = app.api.as('service');
  const id = expectOk(await service.post('/v1/tickets', reportBody({ severity: 'general', ...extra })), 201).body.ticketId as string;
  expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge()));
  return id;
}

const outcome = (answer: { status: number; body: any }) => ({ status: answer.status, code: answer.body?.code });

describe('a ticket reported to a unit', () => {
  it('takes the unit\'s policy, and an unknown unit is a 400', async () => {
    const service = app.api.as('service');
    const id = await acknowledgedTicket({ serviceUnitId: ids.east });
    expect(expectOk(await service.get(`/v1/tickets/${id}`)).body).toMatchObject({ serviceUnitId: ids.east, policyId: 'dealer-service', assignments: [], signOff: null });
    expect(outcome(await service.post('/v1/tickets', reportBody({ serviceUnitId: `none-${tag}` })))).toEqual({ status: 400, code: 'UNKNOWN_UNIT' });
    // An explicit policy still wins over the unit's.
    const planned = expectOk(await service.post('/v1/tickets', reportBody({ serviceUnitId: ids.east, policyId: 'it-support-plan' })), 201).body.ticketId;
    expect(expectOk(await service.get(`/v1/tickets/${planned}`)).body.policyId).toBe('it-support-plan');
  });

  it('is dispatched to an active engineer of the unit or its parent only, the tier from the roster', async () => {
    const service = app.api.as('service');
    const id = await acknowledgedTicket({ serviceUnitId: ids.east });
    const dispatch = (engineerId: string, extra: Record<string, unknown> = {}) => service.post(`/v1/tickets/${id}/dispatch`, { engineerId, ...extra });
    expect(outcome(await dispatch(`nobody-${tag}`))).toEqual({ status: 400, code: 'UNKNOWN_ENGINEER' });
    expect(outcome(await dispatch(ids.eWest))).toEqual({ status: 400, code: 'ENGINEER_NOT_IN_UNIT' });
    expect(outcome(await dispatch(ids.eGone))).toEqual({ status: 400, code: 'ENGINEER_NOT_IN_UNIT' });
    expectOk(await dispatch(ids.eEast));
    expectOk(await dispatch(ids.eMaker));
    const ticket = expectOk(await service.get(`/v1/tickets/${id}`)).body;
    expect(ticket.dispatches.map((d: any) => [d.engineerId, d.tier, d.escalation])).toEqual([
      [ids.eEast, 'onsite', false],
      [ids.eMaker, 'senior', true],
    ]);
  });

  it('keeps today\'s dispatch without a unit: the tier is required, any engineer id goes', async () => {
    const service = app.api.as('service');
    const id = await acknowledgedTicket();
    const missing = await service.post(`/v1/tickets/${id}/dispatch`, { engineerId: 'eng-li' });
    expect(outcome(missing)).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(missing.body.errors).toEqual([{ field: 'tier', message: 'tier must be one of onsite, senior' }]);
    expectOk(await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch(`free-text-${tag}`, 'onsite')));
  });

  it('is handed to another unit with its history, whose engineers may then be dispatched', async () => {
    const service = app.api.as('service');
    const id = await acknowledgedTicket({ serviceUnitId: ids.east });
    expect(outcome(await service.post(`/v1/tickets/${id}/assign`, { serviceUnitId: `none-${tag}`, by: 'maker-desk', reason: 'x' }))).toEqual({ status: 400, code: 'UNKNOWN_UNIT' });
    expect(outcome(await service.post(`/v1/tickets/${id}/assign`, { serviceUnitId: ids.east, by: 'maker-desk', reason: 'x' }))).toEqual({ status: 409, code: 'INVALID_TRANSITION' });
    expectOk(await service.post(`/v1/tickets/${id}/assign`, { serviceUnitId: ids.west, by: 'maker-desk', reason: 'closer to the site' }));
    const ticket = expectOk(await service.get(`/v1/tickets/${id}`)).body;
    expect(ticket.serviceUnitId).toBe(ids.west);
    expect(ticket.assignments).toEqual([expect.objectContaining({ serviceUnitId: ids.west, fromUnitId: ids.east, by: 'maker-desk', reason: 'closer to the site' })]);
    expect(outcome(await service.post(`/v1/tickets/${id}/dispatch`, { engineerId: ids.eEast }))).toEqual({ status: 400, code: 'ENGINEER_NOT_IN_UNIT' });
    expectOk(await service.post(`/v1/tickets/${id}/dispatch`, { engineerId: ids.eWest }));
  });
});

describe('the repair order\'s sign-off', () => {
  it('is required to close under the dealer policy, and kept sealed as the customer\'s personal data', async () => {
    const service = app.api.as('service');
    const id = await acknowledgedTicket({ serviceUnitId: ids.east });
    expect(outcome(await service.post(`/v1/tickets/${id}/sign-off`, { signedBy: 'Wang Fang', signature: PNG }))).toEqual({ status: 409, code: 'INVALID_TRANSITION' });
    expectOk(await service.post(`/v1/tickets/${id}/restore`, bodies.restore()));
    expectOk(await service.post(`/v1/tickets/${id}/report`, bodies.report()));
    expect(outcome(await service.post(`/v1/tickets/${id}/close`, bodies.close()))).toEqual({ status: 409, code: 'SIGN_OFF_REQUIRED' });

    expect(outcome(await service.post(`/v1/tickets/${id}/sign-off`, { signedBy: 'Wang Fang', signature: 'data:image/jpeg;base64,AAAA' }))).toEqual({ status: 400, code: 'INVALID_INPUT' });
    const tooLarge = `data:image/png;base64,${'A'.repeat(33 * 1024)}`;
    expect(outcome(await service.post(`/v1/tickets/${id}/sign-off`, { signedBy: 'Wang Fang', signature: tooLarge }))).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(outcome(await service.post(`/v1/tickets/${id}/sign-off`, { signedBy: 'Wang Fang' }))).toEqual({ status: 400, code: 'INVALID_INPUT' });
    const nearLimit = `data:image/png;base64,${'A'.repeat(32 * 1024 - 24)}`;
    expectOk(await service.post(`/v1/tickets/${id}/sign-off`, { signedBy: 'Wang Fang', signature: nearLimit }));
    expect(outcome(await service.post(`/v1/tickets/${id}/sign-off`, { signedBy: 'Wang Fang', signature: PNG }))).toEqual({ status: 409, code: 'INVALID_TRANSITION' });
    expectOk(await service.post(`/v1/tickets/${id}/close`, bodies.close()));

    const ticket = expectOk(await service.get(`/v1/tickets/${id}`)).body;
    expect(ticket).toMatchObject({ status: 'closed', signOff: { signedBy: 'Wang Fang', signature: nearLimit, signatureSha256: null } });
    const stored = storedEvents(app.dataDir, id).find((e) => e.type === 'RepairOrderSignedOff')!;
    expect(stored.data.signedBy).toMatchObject({ $enc: 'v1' });
    expect(stored.data.signature).toMatchObject({ $enc: 'v1' });
    expect(JSON.stringify(stored.data)).not.toContain('Wang Fang');
  });

  it('may be a SHA-256 and a reference instead of the image', async () => {
    const service = app.api.as('service');
    const id = await acknowledgedTicket({ serviceUnitId: ids.east });
    expectOk(await service.post(`/v1/tickets/${id}/restore`, bodies.restore()));
    const sha = 'ab'.repeat(32);
    expect(outcome(await service.post(`/v1/tickets/${id}/sign-off`, { signedBy: 'Wang Fang', signatureSha256: sha }))).toEqual({ status: 400, code: 'INVALID_INPUT' });
    expectOk(await service.post(`/v1/tickets/${id}/sign-off`, { signedBy: 'Wang Fang', signatureSha256: sha, signatureRef: 'dms://orders/42.png' }));
    expect(expectOk(await service.get(`/v1/tickets/${id}`)).body.signOff).toMatchObject({ signatureSha256: sha, signatureRef: 'dms://orders/42.png', signature: null });
  });

  it('is not required under a policy that does not ask for it', async () => {
    const service = app.api.as('service');
    const id = await acknowledgedTicket({ policyId: 'it-support-plan' });
    expectOk(await service.post(`/v1/tickets/${id}/restore`, bodies.restore()));
    expectOk(await service.post(`/v1/tickets/${id}/report`, bodies.report()));
    expectOk(await service.post(`/v1/tickets/${id}/close`, bodies.close()));
  });

  it('and the assignment are for the service role (and admins) only', async () => {
    const id = await acknowledgedTicket({ serviceUnitId: ids.east });
    for (const role of ['auditor', 'analyst'] as const) {
      expect((await app.api.as(role).post(`/v1/tickets/${id}/assign`, { serviceUnitId: ids.west, by: 'x', reason: 'y' })).status).toBe(403);
      expect((await app.api.as(role).post(`/v1/tickets/${id}/sign-off`, { signedBy: 'x', signature: PNG })).status).toBe(403);
    }
  });
});

describe('the dealer policy\'s arrival clock', () => {
  it('runs from the report (the call), not from the dispatch', async () => {
    const service = app.api.as('service');
    const start = Date.now() - 3 * 3_600_000;
    const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
    const id = expectOk(await service.post('/v1/tickets', reportBody({ severity: 'general', zone: 'urban', serviceUnitId: ids.east, at: at(0) })), 201).body.ticketId;
    expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge({ at: at(10) })));
    expectOk(await service.post(`/v1/tickets/${id}/dispatch`, { engineerId: ids.eEast, at: at(100) }));
    expectOk(await service.post(`/v1/tickets/${id}/arrive`, { engineerId: ids.eEast, at: at(150) }));
    const arrival = expectOk(await service.get(`/v1/tickets/${id}`)).body.clocks.find((c: any) => c.metric === 'arrival');
    // 150 minutes from the call against 2 h in town: breached (from the dispatch it would be 50 minutes, met).
    expect(arrival).toMatchObject({ startedAt: at(0), stoppedAt: at(150), elapsedMs: 150 * 60_000, state: 'breached' });
  });
});

describe('webhook filters', () => {
  it('register with a severity and a service unit, and a bad filter is a 400', async () => {
    const admin = app.api.as('admin');
    const hook = { url: 'http://127.0.0.1:9/hooks', eventTypes: ['*'], secret: 'a-long-random-shared-secret' };
    const created = expectOk(await admin.post('/v1/webhooks', { ...hook, filters: { severity: 'major', serviceUnitId: ids.east } }), 201);
    expect(created.body.filters).toEqual({ severity: 'major', serviceUnitId: ids.east });
    expect(outcome(await admin.post('/v1/webhooks', { ...hook, filters: { severity: 'urgent' } }))).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(outcome(await admin.post('/v1/webhooks', { ...hook, filters: { customerId: 'c-1' } }))).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
