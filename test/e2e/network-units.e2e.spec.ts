import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { expectOk, startTestApp, type TestApp } from './harness';

/**
 * The service network over HTTP: units with their parent, terms and inspections, engineers who
 * register, move, train, are assessed and leave, and the staff changes the units record for them.
 */

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
}, 30_000);

afterAll(async () => {
  await app?.stop();
});

const suffix = () => randomUUID().slice(0, 8);

async function unit(body: Record<string, unknown>): Promise<string> {
  const answer = expectOk(await app.api.as('admin').post('/v1/units', body), 201);
  return answer.body.unitId as string;
}

describe('service units', () => {
  it('registers a manufacturer and a dealer under it, changes terms, records an inspection by the parent', async () => {
    const admin = app.api.as('admin');
    const maker = await unit({ unitId: `maker-${suffix()}`, name: 'Maker', kind: 'manufacturer' });
    const dealerId = `dealer-${suffix()}`;
    const created = await admin.post('/v1/units', { unitId: dealerId, name: 'Dealer East', kind: 'dealer', parentId: maker, zone: 'urban', policyId: 'dealer-service', terms: { revisitTargetPercent: 30, arrivalUrban: 'PT2H', arrivalSuburban: 'PT4H' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/units/${dealerId}`);

    expectOk(await admin.post(`/v1/units/${dealerId}/terms`, { terms: { revisitTargetPercent: 25, feedbackDayOfMonth: 5 } }));
    expectOk(await admin.post(`/v1/units/${dealerId}/inspections`, { byUnitId: maker, findings: 'parts stock short', score: 72 }));
    const byStranger = await admin.post(`/v1/units/${dealerId}/inspections`, { byUnitId: dealerId, findings: 'self', score: 100 });
    expect({ status: byStranger.status, code: byStranger.body.code }).toEqual({ status: 400, code: 'INSPECTOR_NOT_PARENT' });

    for (const role of ['service', 'auditor', 'analyst'] as const) {
      const read = await app.api.as(role).get(`/v1/units/${dealerId}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe('"2"');
      expect(read.body).toMatchObject({ unitId: dealerId, kind: 'dealer', parentId: maker, zone: 'urban', policyId: 'dealer-service', terms: { revisitTargetPercent: 25, feedbackDayOfMonth: 5 } });
      expect(read.body.inspections).toEqual([expect.objectContaining({ byUnitId: maker, findings: 'parts stock short', score: 72 })]);
    }
    const listed = expectOk(await app.api.as('analyst').get('/v1/units'));
    const ids = (listed.body.units as Array<{ unitId: string }>).map((u) => u.unitId);
    expect(ids).toEqual(expect.arrayContaining([maker, dealerId]));
  });

  it('refuses an unknown parent, an unknown policy, bad terms, a second registration and an unknown unit', async () => {
    const admin = app.api.as('admin');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ name: 'X', kind: 'dealer', parentId: `nobody-${suffix()}` }, 400, 'UNKNOWN_UNIT'],
      [{ name: 'X', kind: 'dealer', policyId: 'no-such-policy' }, 400, 'UNKNOWN_POLICY'],
      [{ name: 'X', kind: 'dealer', terms: { feedbackDayOfMonth: 30 } }, 400, 'INVALID_INPUT'],
      [{ name: 'X', kind: 'workshop' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const answer = await admin.post('/v1/units', body);
      expect({ body, status: answer.status, code: answer.body.code }).toEqual({ body, status, code });
    }
    const id = await unit({ name: 'Once', kind: 'repair-group' });
    const again = await admin.post('/v1/units', { unitId: id, name: 'Twice', kind: 'repair-group' });
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'UNIT_ALREADY_EXISTS' });
    const missing = await app.api.as('service').get(`/v1/units/none-${suffix()}`);
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'UNIT_NOT_FOUND' });
  });

  it('registers a unit once for a retried Idempotency-Key without a unitId', async () => {
    const key = randomUUID();
    const first = expectOk(await app.api.as('admin').post('/v1/units', { name: 'Retry', kind: 'branch' }, { 'idempotency-key': key }), 201);
    const retried = expectOk(await app.api.as('admin').post('/v1/units', { name: 'Retry', kind: 'branch' }, { 'idempotency-key': key }), 201);
    expect(retried.body).toEqual(first.body);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('engineers', () => {
  it('registers, moves, trains, assesses and leaves, and the units record each staff change', async () => {
    const admin = app.api.as('admin');
    const east = await unit({ name: 'East', kind: 'dealer' });
    const west = await unit({ name: 'West', kind: 'dealer' });
    const engineerId = `eng-${suffix()}`;
    const registered = await admin.post('/v1/engineers', { engineerId, name: 'Li Wei', unitId: east, tier: 'onsite', skills: ['hvac'] });
    expect(registered.status).toBe(201);
    expect(registered.headers.get('location')).toBe(`/v1/engineers/${engineerId}`);
    expect(expectOk(await app.api.as('service').get(`/v1/units/${east}`)).body.staff).toEqual([engineerId]);

    expectOk(await admin.post(`/v1/engineers/${engineerId}/trainings`, { course: 'Boilers', kind: 'scheduled', result: 'passed', score: 91 }));
    expectOk(await admin.post(`/v1/engineers/${engineerId}/assessments`, { course: 'Safety', kind: 'unscheduled', result: 'fair' }));
    expectOk(await admin.post(`/v1/engineers/${engineerId}/move`, { toUnitId: west }));
    const eastAfter = expectOk(await app.api.as('service').get(`/v1/units/${east}`)).body;
    expect(eastAfter.staff).toEqual([]);
    expect(eastAfter.staffChanges.map((c: { change: string }) => c.change)).toEqual(['joined', 'left']);
    expect(expectOk(await app.api.as('service').get(`/v1/units/${west}`)).body.staff).toEqual([engineerId]);

    for (const role of ['service', 'analyst'] as const) {
      const read = expectOk(await app.api.as(role).get(`/v1/engineers/${engineerId}`));
      expect(read.body).toMatchObject({ engineerId, unitId: west, tier: 'onsite', status: 'active', moves: [{ fromUnitId: east, toUnitId: west }] });
      expect(read.body.trainings).toEqual([expect.objectContaining({ course: 'Boilers', kind: 'scheduled', score: 91 })]);
      expect(read.body.assessments).toEqual([expect.objectContaining({ course: 'Safety', kind: 'unscheduled', score: null })]);
    }

    expectOk(await admin.post(`/v1/engineers/${engineerId}/leave`, { reason: 'moved city' }));
    expect(expectOk(await app.api.as('service').get(`/v1/units/${west}`)).body.staff).toEqual([]);
    const afterLeaving = await admin.post(`/v1/engineers/${engineerId}/move`, { toUnitId: east });
    expect({ status: afterLeaving.status, code: afterLeaving.body.code }).toEqual({ status: 409, code: 'ENGINEER_HAS_LEFT' });
  });

  it('refuses an engineer in an unknown unit, a move to an unknown unit, and an unknown engineer', async () => {
    const admin = app.api.as('admin');
    const intoNowhere = await admin.post('/v1/engineers', { name: 'Nobody', unitId: `none-${suffix()}`, tier: 'senior' });
    expect({ status: intoNowhere.status, code: intoNowhere.body.code, field: intoNowhere.body.errors?.[0]?.field }).toEqual({ status: 400, code: 'UNKNOWN_UNIT', field: 'unitId' });
    const home = await unit({ name: 'Home', kind: 'dealer' });
    const engineerId = expectOk(await admin.post('/v1/engineers', { name: 'Zhang', unitId: home, tier: 'senior' }), 201).body.engineerId as string;
    const away = await admin.post(`/v1/engineers/${engineerId}/move`, { toUnitId: `none-${suffix()}` });
    expect({ status: away.status, code: away.body.code }).toEqual({ status: 400, code: 'UNKNOWN_UNIT' });
    const same = await admin.post(`/v1/engineers/${engineerId}/move`, { toUnitId: home });
    expect({ status: same.status, code: same.body.code }).toEqual({ status: 409, code: 'ALREADY_IN_UNIT' });
    const missing = await app.api.as('analyst').get(`/v1/engineers/none-${suffix()}`);
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'ENGINEER_NOT_FOUND' });
  });

  it('lets only admins write and keeps auditors out of engineers', async () => {
    const home = await unit({ name: 'Roles', kind: 'dealer' });
    for (const role of ['service', 'auditor', 'analyst'] as const) {
      expect((await app.api.as(role).post('/v1/units', { name: 'X', kind: 'dealer' })).status).toBe(403);
      expect((await app.api.as(role).post('/v1/engineers', { name: 'X', unitId: home, tier: 'onsite' })).status).toBe(403);
      expect((await app.api.as(role).post(`/v1/units/${home}/terms`, { terms: {} })).status).toBe(403);
    }
    expect((await app.api.as('auditor').get('/v1/engineers/anyone')).status).toBe(403);
  });
});
