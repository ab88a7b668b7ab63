import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { expectOk, startTestApp, type TestApp } from './harness';

/**
 * POST /v1/assets with a template (config/asset-templates.json): the contract's coverages and
 * entitlements are filled in where the request leaves them out, with the start each contract
 * names: the day after acceptance (renovation), the day acceptance is signed (IT system), the sale.
 */

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
}, 30_000);

afterAll(async () => {
  await app?.stop();
});

const base = { customerId: 'owner-7', name: 'Site', acceptedAt: '2025-06-30' };
const periods = (asset: any) => asset.coverages.map((c: any) => [c.category, c.startsFrom, c.start, c.end]);

describe('asset templates', () => {
  it('it-system: 5 years from the day acceptance is signed, one relocation, one rebuild, one inspection a year', async () => {
    const service = app.api.as('service');
    const id = expectOk(await service.post('/v1/assets', { ...base, template: 'it-system' }), 201).body.assetId;
    const asset = expectOk(await service.get(`/v1/assets/${id}`)).body;
    expect(asset.kind).toBe('it-system');
    expect(periods(asset)).toEqual([['system', 'acceptance-day', '2025-06-30', '2030-06-29']]);
    expect(asset.entitlements).toMatchObject({ relocation: 1, rebuild: 1, inspectionsPerYear: 1 });
  });

  it('renovation: waterproofing 5 years and other works 2 years from the day after acceptance; the request\'s own fields win', async () => {
    const service = app.api.as('service');
    const id = expectOk(await service.post('/v1/assets', { ...base, template: 'renovation' }), 201).body.assetId;
    expect(periods(expectOk(await service.get(`/v1/assets/${id}`)).body)).toEqual([
      ['waterproofing', 'acceptance', '2025-07-01', '2030-06-30'],
      ['other', 'acceptance', '2025-07-01', '2027-06-30'],
    ]);
    const own = expectOk(await service.post('/v1/assets', { ...base, template: 'renovation', kind: 'kitchen', coverages: [{ category: 'other', years: 3 }] }), 201).body.assetId;
    const asset = expectOk(await service.get(`/v1/assets/${own}`)).body;
    expect(asset.kind).toBe('kitchen');
    expect(periods(asset)).toEqual([['other', 'acceptance', '2025-07-01', '2028-06-30']]);
  });

  it('dealer-product: 1 year from the day of sale, which the request must give', async () => {
    const service = app.api.as('service');
    const id = expectOk(await service.post('/v1/assets', { ...base, saleDate: '2025-03-10', template: 'dealer-product' }), 201).body.assetId;
    expect(periods(expectOk(await service.get(`/v1/assets/${id}`)).body)).toEqual([['product', 'sale', '2025-03-10', '2026-03-09']]);
    const noSale = await service.post('/v1/assets', { ...base, template: 'dealer-product' });
    expect({ status: noSale.status, code: noSale.body.code }).toEqual({ status: 400, code: 'INVALID_INPUT' });
  });

  it('refuses an unknown template, and a registration with neither coverages nor a template', async () => {
    const service = app.api.as('service');
    const unknown = await service.post('/v1/assets', { ...base, template: `none-${randomUUID().slice(0, 6)}` });
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 400, code: 'UNKNOWN_TEMPLATE' });
    const bare = await service.post('/v1/assets', { ...base, kind: 'renovation' });
    expect({ status: bare.status, code: bare.body.code, fields: bare.body.errors.map((e: any) => e.field) }).toEqual({ status: 400, code: 'VALIDATION_FAILED', fields: ['coverages'] });
  });
});
