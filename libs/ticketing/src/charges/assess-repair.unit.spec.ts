import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assessRepair } from './assess-repair';
import { findChargePolicy, parseChargePolicies, type ChargePolicy } from './charge-policy';
import type { ChargeOutcome, RepairFacts } from './repair-facts';

// The shipped file: these tests pin what config/charge-policies.json decides.
const parsed = parseChargePolicies(JSON.parse(readFileSync(join(process.cwd(), 'config/charge-policies.json'), 'utf8')));
if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
const retail = findChargePolicy(parsed.catalog, 'retail-repair') as ChargePolicy;
const dealer = findChargePolicy(parsed.catalog, 'dealer-service') as ChargePolicy;

/** A product defect on a regular-price item the shop sold, 30 days ago, nothing shown. */
const facts = (overrides: Partial<RepairFacts> = {}): RepairFacts => ({
  cause: 'product',
  damage: 'quality-defect',
  specialPrice: false,
  soldByUs: true,
  daysSinceSale: 30,
  materialCost: 12,
  labourCost: 20,
  ...overrides,
});
const withPapers = { hasReceipt: true, hasTag: true, originalPackaging: true };

type Row = [string, Partial<RepairFacts>, string, ChargeOutcome, number];

describe('retail-repair (third seed document)', () => {
  const rows: Row[] = [
    // exchange: 3 days, receipt and tag, no customer damage
    ['day 3 with receipt and tag', { daysSinceSale: 3, ...withPapers }, 'exchange-within-3-days', 'exchange', 0],
    ['day 0 (the sale day)', { daysSinceSale: 0, hasReceipt: true, hasTag: true }, 'exchange-within-3-days', 'exchange', 0],
    ['day 4: no exchange, but a return (week)', { daysSinceSale: 4, ...withPapers }, 'return-within-1-week', 'return-or-exchange', 0],
    ['day 3 without a tag', { daysSinceSale: 3, hasReceipt: true, originalPackaging: true }, 'return-within-1-week', 'return-or-exchange', 0],
    ['day 3 without a receipt, no packaging', { daysSinceSale: 3, hasTag: true }, 'free-repair-3-months', 'free-repair', 0],
    ['day 2, dropped by the customer', { daysSinceSale: 2, ...withPapers, damage: 'dropped' }, 'customer-damage-3-months', 'material-fee-only', 12],
    ['day 2, cause customer', { daysSinceSale: 2, ...withPapers, cause: 'customer', damage: 'other' }, 'customer-damage-3-months', 'material-fee-only', 12],
    // return: 1 week, original quality defect, original packaging
    ['day 7 defect in packaging', { daysSinceSale: 7, originalPackaging: true }, 'return-within-1-week', 'return-or-exchange', 0],
    ['day 8 defect in packaging', { daysSinceSale: 8, originalPackaging: true }, 'free-repair-3-months', 'free-repair', 0],
    ['day 5 defect, packaging gone', { daysSinceSale: 5 }, 'free-repair-3-months', 'free-repair', 0],
    ['day 5, not a quality defect', { daysSinceSale: 5, originalPackaging: true, damage: 'other' }, 'free-repair-3-months', 'free-repair', 0],
    // exclusions
    ['not sold by us, even on day 1 with papers', { soldByUs: false, daysSinceSale: 1, ...withPapers }, 'not-sold-by-us', 'refused', 0],
    ['special price after a week', { specialPrice: true }, 'special-price', 'refused', 0],
    ['special price still exchanged on day 2', { specialPrice: true, daysSinceSale: 2, ...withPapers }, 'exchange-within-3-days', 'exchange', 0],
    ['severe damage', { damage: 'severe' }, 'severe-damage', 'refused', 0],
    ['zinc alloy break', { damage: 'zinc-alloy-break' }, 'zinc-alloy-break', 'refused', 0],
    ['surface damage', { damage: 'surface' }, 'surface-damage', 'refused', 0],
    // specific rules that hold at any age
    ['weld break after 2 years', { damage: 'weld-break', daysSinceSale: 730 }, 'weld-break', 'free-repair', 0],
    ['weld break caused by the customer', { damage: 'weld-break', cause: 'customer' }, 'weld-break', 'free-repair', 0],
    ['fading within 3 months: material at cost', { damage: 'fading' }, 'fading', 'material-fee-only', 12],
    ['fading after a year', { damage: 'fading', daysSinceSale: 400 }, 'fading', 'material-fee-only', 12],
    // 3 months = 90 days
    ['day 90 product damage', { daysSinceSale: 90 }, 'free-repair-3-months', 'free-repair', 0],
    ['day 91 product damage', { daysSinceSale: 91 }, 'after-3-months', 'material-fee-only', 12],
    ['day 90 customer damage', { daysSinceSale: 90, cause: 'customer', damage: 'other' }, 'customer-damage-3-months', 'material-fee-only', 12],
    ['day 91 customer damage', { daysSinceSale: 91, cause: 'customer', damage: 'other' }, 'after-3-months', 'material-fee-only', 12],
    // damages that count as the customer's, whatever cause was written down
    ...(['crystal', 'oxidation', 'odd-shaped-stone', 'missing-part', 'crushed', 'dropped'] as const).map(
      (damage): Row => [`${damage} within 3 months`, { damage }, 'customer-damage-3-months', 'material-fee-only', 12],
    ),
  ];

  it.each(rows)('%s', (_name, overrides, ruleId, outcome, total) => {
    const decision = assessRepair(retail, facts(overrides));
    expect(decision).toMatchObject({ ruleId, outcome, amounts: { total, labour: 0 } });
    expect(decision.reason.length).toBeGreaterThan(0);
  });

  it('never charges labour, even when the facts price it', () => {
    for (const [, overrides] of rows) expect(assessRepair(retail, facts(overrides)).amounts.labour).toBe(0);
  });

  const stones = (small: number, medium: number, large: number) =>
    facts({ damage: 'lost-stones', lostStones: { small, medium, large }, materialCost: 99 });

  it.each([
    ['3 stones of mixed sizes', stones(1, 1, 1), 'lost-stones-free', 'free-repair', 0],
    ['3 large stones', stones(0, 0, 3), 'lost-stones-free', 'free-repair', 0],
    ['4 small stones: one charged 0.5', stones(4, 0, 0), 'lost-stones-beyond-3', 'material-fee-only', 0.5],
    ['4 medium stones: one charged 1', stones(0, 4, 0), 'lost-stones-beyond-3', 'material-fee-only', 1],
    ['4 large stones: one charged 1.5', stones(0, 0, 4), 'lost-stones-beyond-3', 'material-fee-only', 1.5],
    ['2 large 1 medium 1 small: the small one is charged', stones(1, 1, 2), 'lost-stones-beyond-3', 'material-fee-only', 0.5],
    ['3 large 2 medium 2 small: 2x1 + 2x0.5', stones(2, 2, 3), 'lost-stones-beyond-3', 'material-fee-only', 3],
    ['the same 7 stones a year after the sale', { ...stones(2, 2, 3), daysSinceSale: 400 }, 'lost-stones-beyond-3', 'material-fee-only', 3],
  ] as const)('%s', (_name, given, ruleId, outcome, total) => {
    const decision = assessRepair(retail, given);
    expect(decision).toMatchObject({ ruleId, outcome, amounts: { stones: total, material: 0, total } });
  });

  it('counts lost stones with a size left out as none', () => {
    const decision = assessRepair(retail, facts({ damage: 'lost-stones', lostStones: { medium: 5 } }));
    expect(decision.amounts).toEqual({ material: 0, labour: 0, stones: 2, parts: 0, total: 2 });
  });

  it('takes material from the parts when the facts give no material cost', () => {
    const decision = assessRepair(
      retail,
      facts({ daysSinceSale: 120, materialCost: undefined, parts: [{ name: 'clasp', value: 30, materialCost: 4.25 }, { name: 'ring', value: 5 }] }),
    );
    expect(decision.amounts).toEqual({ material: 4.25, labour: 0, stones: 0, parts: 0, total: 4.25 });
    expect(decision.parts).toEqual([
      { name: 'clasp', value: 30, treatment: 'free' },
      { name: 'ring', value: 5, treatment: 'free' },
    ]);
  });
});

describe('dealer-service (fifth seed document)', () => {
  const parts = [
    { name: 'igniter', value: 49.99 },
    { name: 'valve', value: 50 },
    { name: 'motor', value: 320.5 },
  ];

  it('repairs a product fault in warranty free: parts below 50 free, from 50 old-for-new', () => {
    const decision = assessRepair(dealer, facts({ daysSinceSale: 100, parts }));
    expect(decision).toMatchObject({ ruleId: 'in-warranty-repair', outcome: 'free-repair' });
    expect(decision.amounts.total).toBe(0);
    expect(decision.parts.map((part) => part.treatment)).toEqual(['free', 'old-for-new', 'old-for-new']);
  });

  it('charges a customer-caused fault in warranty by the price list: parts at value and labour', () => {
    const decision = assessRepair(dealer, facts({ cause: 'customer', daysSinceSale: 10, parts }));
    expect(decision).toMatchObject({ ruleId: 'customer-caused', outcome: 'charged' });
    expect(decision.amounts).toEqual({ material: 0, labour: 20, stones: 0, parts: 420.49, total: 440.49 });
    expect(decision.parts.every((part) => part.treatment === 'charged')).toBe(true);
  });

  it.each([
    ['day 364 (the 365th day counting the sale day)', 364, 'in-warranty-repair'],
    ['day 365', 365, 'out-of-warranty'],
  ] as const)('without inWarranty, warrantyDays decides: %s', (_name, daysSinceSale, ruleId) => {
    expect(assessRepair(dealer, facts({ daysSinceSale })).ruleId).toBe(ruleId);
  });

  it('lets the asset coverage (inWarranty) win over the day count, both ways', () => {
    expect(assessRepair(dealer, facts({ daysSinceSale: 500, inWarranty: true })).ruleId).toBe('in-warranty-repair');
    expect(assessRepair(dealer, facts({ daysSinceSale: 10, inWarranty: false })).ruleId).toBe('out-of-warranty');
  });

  it('charges out of warranty by the price list, whatever the cause', () => {
    const decision = assessRepair(dealer, facts({ inWarranty: false, parts: [{ name: 'knob', value: 8 }] }));
    expect(decision).toMatchObject({ outcome: 'charged', amounts: { parts: 8, labour: 20, total: 28 } });
  });

  it('does not refuse goods other shops sold (the dealer serves every product of its area)', () => {
    expect(assessRepair(dealer, facts({ soldByUs: false })).outcome).toBe('free-repair');
  });
});
