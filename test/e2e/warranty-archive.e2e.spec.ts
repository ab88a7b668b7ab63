import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { built } from '../support/built';
import { startTestApp, type TestApp } from './harness';

/** Noon in Shanghai on a date, as an instant: a report made that day, local time. */
const shanghaiNoon = (date: string) => `${date}T12:00:00+08:00`;

describe('assets, warranty coverage, entitlements and the warranty archive', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  const service = () => app.api.as('service');
  const archive = async (assetId: string, position?: string) => {
    const answer = await app.api.as('auditor').get(`/v1/views/warranty-archive/${assetId}${position ? `?minPosition=${position}` : ''}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const report = (assetId: string, overrides: Record<string, unknown>, headers: Record<string, string> = {}) =>
    service().post(
      '/v1/tickets',
      { customerId: 'owner-1', assetId, channel: 'phone', kind: 'fault', severity: 'general', summary: 'leak in the basement', ...overrides },
      headers,
    );

  it('registers an asset as the first document describes and archives its coverage from the day after acceptance', async () => {
    const registered = await service().post('/v1/assets', {
      assetId: 'hq-renovation',
      customerId: 'owner-1',
      ownerName: 'Wang Fang',
      name: 'HQ office renovation',
      kind: 'renovation',
      acceptedAt: '2025-06-30',
      coverages: [
        { category: 'waterproofing', years: 5 },
        { category: 'other', years: 2 },
      ],
      entitlements: { relocation: 1, rebuild: 1, inspectionsPerYear: 1 },
      contract: { number: 'WC-2025-0630', signedAt: '2025-06-30' },
      contacts: [{ name: 'Wang Fang', role: 'owner', phone: '+86 21 5555 0100' }],
      subcontractors: [{ name: 'Aqua Seal Ltd', warrantyItems: ['roof waterproofing'], warrantyAmount: 20000 }],
      at: '2025-06-30T10:00:00+08:00',
    });
    expect(registered.status).toBe(201);
    const body = await archive('hq-renovation', registered.body.position);
    expect(body.coverages).toEqual([
      expect.objectContaining({ category: 'waterproofing', start: '2025-07-01', end: '2030-06-30', active: true }),
      expect.objectContaining({ category: 'other', start: '2025-07-01', end: '2027-06-30', active: true }),
    ]);
    expect(body.contract).toMatchObject({ number: 'WC-2025-0630' });
    expect(body.subcontractors[0]).toMatchObject({ name: 'Aqua Seal Ltd', warrantyAmount: 20000 });
    expect(body.entitlements.relocation).toEqual({ granted: 1, used: 0, remaining: 1 });
  });

  it('marks tickets in or out of warranty by the local date of their report: acceptance day out, the day after in', async () => {
    const onAcceptance = await report('hq-renovation', { category: 'waterproofing', at: shanghaiNoon('2025-06-30') });
    const dayAfter = await report('hq-renovation', { category: 'waterproofing', at: shanghaiNoon('2025-07-01') });
    // 2025-06-30 23:30 in Shanghai is still the acceptance day, though it is 15:30 UTC.
    const lateEvening = await report('hq-renovation', { category: 'other', at: '2025-06-30T23:30:00+08:00' });
    for (const r of [onAcceptance, dayAfter, lateEvening]) expect(r.status).toBe(201);
    const body = await archive('hq-renovation', lateEvening.body.position);
    const inWarranty = Object.fromEntries(body.repairs.map((r: { ticketId: string; inWarranty: boolean }) => [r.ticketId, r.inWarranty]));
    expect(inWarranty).toEqual({ [onAcceptance.body.ticketId]: false, [dayAfter.body.ticketId]: true, [lateEvening.body.ticketId]: false });
    expect(body.serviceRecords.map((r: { ticketId: string }) => r.ticketId)).toEqual([onAcceptance.body.ticketId, lateEvening.body.ticketId, dayAfter.body.ticketId]);
  });

  it('keeps the last day of a coverage in and the day after out', async () => {
    // Accepted 2024-11-19: two years run from 2024-11-20 to 2026-11-19 inclusive.
    const registered = await service().post('/v1/assets', {
      assetId: 'branch-fitout', customerId: 'owner-2', name: 'Branch fit-out', kind: 'renovation', acceptedAt: '2024-11-19',
      coverages: [{ category: 'other', years: 2 }, { category: 'waterproofing', months: 18 }], at: '2024-11-19T09:00:00+08:00',
    });
    expect(registered.status).toBe(201);
    const last = await report('branch-fitout', { customerId: 'owner-2', category: 'other', at: shanghaiNoon('2026-11-19') });
    const after = await report('branch-fitout', { customerId: 'owner-2', category: 'other', at: shanghaiNoon('2026-11-20') });
    // 18 months from 2024-11-20 end on 2026-05-19.
    const monthsLast = await report('branch-fitout', { customerId: 'owner-2', category: 'waterproofing', at: shanghaiNoon('2026-05-19') });
    const monthsAfter = await report('branch-fitout', { customerId: 'owner-2', category: 'waterproofing', at: shanghaiNoon('2026-05-20') });
    const body = await archive('branch-fitout', monthsAfter.body.position);
    expect(body.coverages.map((c: { category: string; end: string }) => [c.category, c.end])).toEqual([['other', '2026-11-19'], ['waterproofing', '2026-05-19']]);
    const byTicket = Object.fromEntries(body.repairs.map((r: { ticketId: string; inWarranty: boolean }) => [r.ticketId, r.inWarranty]));
    expect([byTicket[last.body.ticketId], byTicket[after.body.ticketId], byTicket[monthsLast.body.ticketId], byTicket[monthsAfter.body.ticketId]]).toEqual([true, false, true, false]);
    expect(body.coverages.find((c: { category: string }) => c.category === 'waterproofing').active).toBe(false);
  });

  it('extends a coverage only with an approver, and the archive shows the new end', async () => {
    const refused = await service().post('/v1/assets/branch-fitout/coverages/extend', { category: 'other', years: 1, reason: 'goodwill' });
    expect(refused.status).toBe(400);
    const extended = await service().post('/v1/assets/branch-fitout/coverages/extend', { category: 'other', years: 1, approvedBy: 'service-manager', reason: 'goodwill' });
    expect(extended.status).toBe(200);
    const body = await archive('branch-fitout', extended.body.position);
    expect(body.coverages.find((c: { category: string }) => c.category === 'other')).toMatchObject({ end: '2027-11-19', active: true });
  });

  it('gives the last free relocation to exactly one of two racing requests, and a retry never uses it twice', async () => {
    const both = await Promise.all([
      report('hq-renovation', { kind: 'relocation', summary: 'move the server room' }, { 'idempotency-key': 'relocation-a' }),
      report('hq-renovation', { kind: 'relocation', summary: 'move the print room' }, { 'idempotency-key': 'relocation-b' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    const loser = both.find((r) => r.status === 409)!;
    expect(loser.body.code).toBe('ENTITLEMENT_EXHAUSTED');
    const winner = both.find((r) => r.status === 201)!;
    const key = winner === both[0] ? 'relocation-a' : 'relocation-b';
    const summary = winner === both[0] ? 'move the server room' : 'move the print room';
    const retry = await report('hq-renovation', { kind: 'relocation', summary }, { 'idempotency-key': key });
    expect(retry.status).toBe(201);
    expect(retry.body.ticketId).toBe(winner.body.ticketId);
    const body = await archive('hq-renovation', retry.body.position);
    expect(body.entitlements.relocation).toEqual({ granted: 1, used: 1, remaining: 0 });
    expect(body.entitlementUses.filter((u: { entitlement: string }) => u.entitlement === 'relocation')).toHaveLength(1);
  });

  it('assesses a repair under the retail policy and records inspections, revisits and deposits', async () => {
    const ticket = await report('hq-renovation', { category: 'other', at: shanghaiNoon('2026-01-05') });
    const assessed = await service().post(`/v1/assets/hq-renovation/repairs/${ticket.body.ticketId}/assess`, {
      policyId: 'retail-repair',
      facts: { cause: 'product', damage: 'weld-break', specialPrice: false, soldByUs: true },
    });
    expect(assessed.status).toBe(200);
    const unknownPolicy = await service().post(`/v1/assets/hq-renovation/repairs/${ticket.body.ticketId}/assess`, { policyId: 'nope', facts: {} });
    expect(unknownPolicy.status).toBe(400);
    expect((await service().post('/v1/assets/hq-renovation/inspections', { inspectedOn: '2026-06-15', by: 'eng-li', report: 'roof intact' })).status).toBe(200);
    expect((await service().post('/v1/assets/hq-renovation/revisits/plan', { dueOn: '2026-12-15', purpose: 'after the rainy season' })).status).toBe(200);
    const deposit = await service().post('/v1/assets/hq-renovation/deposits', { kind: 'payment', amount: 20000, reference: 'DEP-1' });
    expect(deposit.status).toBe(200);
    const body = await archive('hq-renovation', deposit.body.position);
    const repair = body.repairs.find((r: { ticketId: string }) => r.ticketId === ticket.body.ticketId);
    expect(repair.charge).toMatchObject({ outcome: 'free-repair', amounts: { total: 0 } });
    expect(body.inspections.done).toHaveLength(1);
    expect(body.revisits.planned[0]).toMatchObject({ dueOn: '2026-12-15', done: null });
    expect(body.deposits[0]).toMatchObject({ kind: 'payment', amount: 20000 });
  });

  it('lists archives with filters and as CSV, for analysts and auditors only', async () => {
    const list = await app.api.as('analyst').get('/v1/views/warranty-archive?coverageEndsBefore=2027-01-01');
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { assetId: string }) => r.assetId)).toEqual(['branch-fitout']);
    const byCustomer = await app.api.as('analyst').get('/v1/views/warranty-archive?customerId=owner-1&format=csv');
    expect(byCustomer.headers.get('content-type')).toContain('text/csv');
    expect(byCustomer.text.split('\r\n')[1]).toMatch(/^hq-renovation,owner-1,/);
    expect((await app.api.as('service').get('/v1/views/warranty-archive/hq-renovation')).status).toBe(403);
    expect((await app.api.as('analyst').get('/v1/views/warranty-archive/nope')).status).toBe(404);
    expect((await service().post('/v1/tickets', { customerId: 'x', assetId: 'nope', channel: 'phone', kind: 'relocation', severity: 'general', summary: 'x' })).body.code).toBe('UNKNOWN_ASSET');
  });

  it('rebuilds the archive from zero into the same rows', async () => {
    const before = await archive('hq-renovation');
    await app.restart();
    const rebuilt = spawnSync(process.execPath, [built('apps/cli/src/main.js'), 'rebuild', 'warranty-archive', '--compare', '--json'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: app.dataDir },
      encoding: 'utf8',
    });
    expect(rebuilt.status).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ projection: 'warranty-archive', differences: 0 });
    expect(await archive('hq-renovation')).toEqual(before);
  });
});
