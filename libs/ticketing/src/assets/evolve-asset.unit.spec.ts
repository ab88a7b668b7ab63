import type { AssetEvent } from './asset-events';
import { CorruptAssetHistory } from './asset-errors';
import { initialAssetState } from './asset-state';
import { evolveAsset } from './evolve-asset';
import { consumed, inspected, on, registered, replay } from './testing/asset-spec';

const at = on('2026-01-05');

describe('evolveAsset', () => {
  it('opens the archive from the registration', () => {
    const asset = replay(registered({ ownerName: 'Li Wei', contract: { number: 'W-1' } }));
    expect(asset).toMatchObject({
      status: 'registered',
      version: 0,
      assetId: 'A-1',
      ownerName: 'Li Wei',
      saleDate: null,
      contract: { number: 'W-1' },
      contacts: [],
      subcontractors: [],
      registeredAt: on('2025-07-01'),
      lastEventAt: on('2025-07-01'),
    });
    expect(asset.coverages[0]).toEqual({ category: 'waterproofing', startsFrom: 'acceptance', months: 60, start: '2025-07-01', end: '2030-06-30', extensions: [] });
  });

  it('keeps deposits, inspections, consumptions, revisits and repairs in order, counting the version', () => {
    const events: AssetEvent[] = [
      registered(),
      { type: 'DepositRecorded', data: { kind: 'recovery', amount: 100, at } },
      inspected('2026-01-04', at, 'T-5'),
      consumed('inspection', 'T-5', at, 1),
      { type: 'RevisitPlanned', data: { dueOn: '2026-03-01', purpose: 'p', at } },
      { type: 'RevisitPlanned', data: { dueOn: '2026-03-01', purpose: 'q', at } },
      { type: 'RevisitDone', data: { plannedDueOn: '2026-03-01', by: 'desk', outcome: 'ok', at } },
      { type: 'RevisitDone', data: { by: 'desk', outcome: 'called', at } },
    ];
    const asset = replay(...events);
    expect(asset.version).toBe(7);
    expect(asset.deposits).toEqual([{ kind: 'recovery', amount: 100, reference: null, note: null, at }]);
    expect(asset.inspections).toEqual([{ inspectedOn: '2026-01-04', by: 'eng-1', report: 'all fine', findings: [], ticketId: 'T-5', at }]);
    expect(asset.consumptions).toEqual([{ entitlement: 'inspection', ticketId: 'T-5', year: 1, at }]);
    expect(asset.revisitPlans.map((p) => [p.purpose, p.done?.outcome ?? null])).toEqual([['p', 'ok'], ['q', null]]);
    expect(asset.revisits.map((r) => r.plannedDueOn)).toEqual(['2026-03-01', null]);
  });

  it('keeps the latest assessment of a repair', () => {
    const decision = { outcome: 'free-repair', amounts: { material: 0, labour: 0, stones: 0, parts: 0, total: 0 }, parts: [], ruleId: 'r', reason: 'why' } as const;
    const facts = { cause: 'product', damage: 'other', specialPrice: false, soldByUs: true, daysSinceSale: 3 } as const;
    const asset = replay(
      registered(),
      { type: 'RepairRecorded', data: { ticketId: 'T-1', category: 'other', reportedAt: at, reportedOn: '2026-01-05', inWarranty: true, charge: null, at } },
      { type: 'RepairAssessed', data: { ticketId: 'T-1', policyId: 'p', policyVersion: 2, facts, decision, at: on('2026-01-06') } },
    );
    expect(asset.repairs).toEqual([
      { ticketId: 'T-1', category: 'other', reportedAt: at, reportedOn: '2026-01-05', inWarranty: true, charge: decision, facts, policyId: 'p', policyVersion: 2, recordedAt: at, assessedAt: on('2026-01-06') },
    ]);
  });

  it('keeps the latest at as lastEventAt, never an earlier one', () => {
    const asset = replay(registered(), { type: 'DepositRecorded', data: { kind: 'payment', amount: 1, at: on('2025-06-01') } });
    expect(asset.lastEventAt).toBe(on('2025-07-01'));
  });

  it('does not mutate the state it is given', () => {
    const before = replay(registered());
    const copy = JSON.parse(JSON.stringify(before)) as unknown;
    evolveAsset(before, consumed('relocation', 'T-1', at));
    expect(before).toEqual(copy);
  });

  it('refuses a stream that is not an asset history', () => {
    expect(() => evolveAsset(initialAssetState(), consumed('relocation', 'T-1', at))).toThrow(CorruptAssetHistory);
    expect(() => replay(registered(), registered())).toThrow(CorruptAssetHistory);
    expect(() => evolveAsset(replay(registered()), { type: 'AssetScrapped', data: { at } } as never)).toThrow('unknown asset event type AssetScrapped');
  });
});
