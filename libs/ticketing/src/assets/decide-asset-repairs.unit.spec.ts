import type { AssetEvent } from './asset-events';
import type { RepairFactsInput } from './asset-commands';
import { given, on, registered, shippedPolicy } from './testing/asset-spec';

const T = on('2030-07-02');
const record = (data: Record<string, unknown> = {}) =>
  ({ type: 'RecordRepair', data: { ticketId: 'T-1', category: 'waterproofing', reportedAt: '2030-06-30T10:00:00Z', at: T, ...data } }) as never;
const repairRecorded = (data: Record<string, unknown> = {}): AssetEvent =>
  ({
    type: 'RepairRecorded',
    data: { ticketId: 'T-1', category: 'waterproofing', reportedAt: '2030-06-30T10:00:00.000Z', reportedOn: '2030-06-30', inWarranty: true, charge: null, at: T, ...data },
  }) as AssetEvent;

describe('RecordRepair', () => {
  it('is in warranty on the last day of coverage, local time', () => {
    given(registered()).when(record()).then([repairRecorded()]);
  });

  it('is out of warranty when the report is on the next local day (20:00 UTC is 04:00 in Shanghai)', () => {
    given(registered())
      .when(record({ reportedAt: '2030-06-30T20:00:00Z' }))
      .then([repairRecorded({ reportedAt: '2030-06-30T20:00:00.000Z', reportedOn: '2030-07-01', inWarranty: false })]);
  });

  it('reads other categories under other works, and nothing covers what no coverage names', () => {
    given(registered())
      .when(record({ category: 'tiles', reportedAt: '2027-06-30T12:00:00+08:00' }))
      .then([repairRecorded({ category: 'tiles', reportedAt: '2027-06-30T04:00:00.000Z', reportedOn: '2027-06-30' })]);
    given(registered({ coverages: [{ category: 'waterproofing', startsFrom: 'acceptance', years: 5 }] }))
      .when(record({ category: 'tiles', reportedAt: '2026-01-01T12:00:00+08:00' }))
      .then([repairRecorded({ category: 'tiles', reportedAt: '2026-01-01T04:00:00.000Z', reportedOn: '2026-01-01', inWarranty: false })]);
  });

  it('counts an extension', () => {
    const extension: AssetEvent = { type: 'CoverageExtended', data: { category: 'waterproofing', months: 1, approvedBy: 'm', reason: 'r', at: on('2030-01-01') } };
    given(registered(), extension)
      .when(record({ reportedAt: '2030-07-31T10:00:00Z' }))
      .then([repairRecorded({ reportedAt: '2030-07-31T10:00:00.000Z', reportedOn: '2030-07-31' })]);
  });

  it('is idempotent for the same ticket, category and report time; refuses other values for that ticket', () => {
    given(registered(), repairRecorded()).when(record({ reportedAt: '2030-06-30T18:00:00+08:00' })).then([]);
    given(registered(), repairRecorded()).when(record({ category: 'other' })).thenFails('REPAIR_ALREADY_RECORDED', 'ticketId');
  });

  it('refuses a report time in the future or without an offset', () => {
    given(registered()).when(record({ reportedAt: '2031-01-01T00:01:00Z' })).thenFails('AT_IN_FUTURE', 'reportedAt');
    given(registered()).when(record({ reportedAt: '2030-06-30' })).thenFails('INVALID_INPUT', 'reportedAt');
    given(registered()).when(record({ category: ' ' })).thenFails('INVALID_INPUT', 'category');
  });
});

describe('assessing the charge of a repair', () => {
  const retail = shippedPolicy('retail-repair');
  const dealer = shippedPolicy('dealer-service');
  const facts = (overrides: Partial<RepairFactsInput> = {}): RepairFactsInput => ({
    cause: 'product',
    damage: 'quality-defect',
    specialPrice: false,
    soldByUs: true,
    materialCost: 8,
    ...overrides,
  });
  const jewel = registered({ saleDate: '2026-03-01', acceptedAt: '2026-03-01', kind: 'jewellery', coverages: [{ category: 'jewellery', startsFrom: 'sale', months: 3 }] });
  const ring = (reportedAt: string, at = on('2026-07-01')) =>
    ({ type: 'RepairRecorded', data: { ticketId: 'T-1', category: 'jewellery', reportedAt, reportedOn: reportedAt.slice(0, 10), inWarranty: true, charge: null, at } }) as AssetEvent;

  it('derives days since sale from the report date and inWarranty from the coverage', () => {
    const { decision } = given(jewel, ring('2026-05-30T02:00:00.000Z')).when({
      type: 'AssessRepair',
      data: { ticketId: 'T-1', policy: retail, facts: facts({ shoeSize: 1 } as never), at: on('2026-07-01') },
    });
    expect(decision).toMatchObject({ ok: true });
    const event = decision.ok ? decision.events[0]! : null;
    expect(event).toEqual({
      type: 'RepairAssessed',
      data: {
        ticketId: 'T-1',
        policyId: 'retail-repair',
        policyVersion: 1,
        facts: { ...facts(), daysSinceSale: 90, inWarranty: true },
        decision: expect.objectContaining({ ruleId: 'free-repair-3-months', outcome: 'free-repair' }),
        at: on('2026-07-01'),
      },
    });
  });

  it('lets the caller give the days, and refuses an inWarranty the coverage contradicts', () => {
    const assess = (f: RepairFactsInput) => ({ type: 'AssessRepair', data: { ticketId: 'T-1', policy: retail, facts: f, at: on('2026-07-01') } }) as const;
    const { decision } = given(jewel, ring('2026-05-30T02:00:00.000Z')).when(assess(facts({ daysSinceSale: 91 })));
    expect(decision.ok && decision.events[0]!.data).toMatchObject({ decision: { ruleId: 'after-3-months' } });
    given(jewel, ring('2026-05-30T02:00:00.000Z')).when(assess(facts({ inWarranty: false }))).thenFails('INVALID_INPUT', 'facts.inWarranty');
    given(jewel, ring('2026-05-30T02:00:00.000Z')).when(assess(facts({ damage: 'rust' as never }))).thenFails('INVALID_INPUT', 'facts.damage');
  });

  it('refuses a report before the sale date when the days are derived', () => {
    given(jewel, ring('2026-02-27T02:00:00.000Z'))
      .when({ type: 'AssessRepair', data: { ticketId: 'T-1', policy: retail, facts: facts(), at: on('2026-07-01') } })
      .thenFails('INVALID_INPUT', 'facts.daysSinceSale');
  });

  it('refuses to assess a repair that was not recorded, or with a policy that does not parse', () => {
    given(jewel)
      .when({ type: 'AssessRepair', data: { ticketId: 'T-9', policy: retail, facts: facts(), at: on('2026-07-01') } })
      .thenFails('REPAIR_NOT_RECORDED', 'ticketId');
    given(jewel, ring('2026-05-30T02:00:00.000Z'))
      .when({ type: 'AssessRepair', data: { ticketId: 'T-1', policy: { ...retail, rules: [] }, facts: facts(), at: on('2026-07-01') } })
      .thenFails('INVALID_INPUT', 'policy');
  });

  it('assesses as it records: the dealer policy out of warranty charges the price list', () => {
    const appliance = registered({ saleDate: '2025-03-10', coverages: [{ category: 'cooker-hood', startsFrom: 'sale', years: 1 }] });
    const f = facts({ parts: [{ name: 'motor', value: 320 }], labourCost: 60 });
    const { decision } = given(appliance).when(
      record({ category: 'cooker-hood', reportedAt: '2026-03-10T09:00:00+08:00', assessment: { policy: dealer, facts: f } }),
    );
    expect(decision.ok && decision.events).toEqual([
      {
        type: 'RepairRecorded',
        data: {
          ticketId: 'T-1',
          category: 'cooker-hood',
          reportedAt: '2026-03-10T01:00:00.000Z',
          reportedOn: '2026-03-10',
          inWarranty: false,
          charge: expect.objectContaining({ ruleId: 'out-of-warranty', outcome: 'charged', amounts: { material: 0, labour: 60, stones: 0, parts: 320, total: 380 } }),
          assessment: { policyId: 'dealer-service', policyVersion: 1, facts: { ...f, daysSinceSale: 365, inWarranty: false } },
          at: T,
        },
      },
    ]);
    const lastDay = given(appliance).when(
      record({ category: 'cooker-hood', reportedAt: '2026-03-09T09:00:00+08:00', assessment: { policy: dealer, facts: f } }),
    ).decision;
    expect(lastDay.ok && lastDay.events[0]!.data).toMatchObject({ inWarranty: true, charge: { ruleId: 'in-warranty-repair', amounts: { total: 0 } } });
  });

  it('refuses bad assessment facts on RecordRepair with their path', () => {
    given(registered())
      .when(record({ assessment: { policy: dealer, facts: facts({ cause: 'weather' as never }) } }))
      .thenFails('INVALID_INPUT', 'assessment.facts.cause');
  });
});
