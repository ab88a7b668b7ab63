import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findChargePolicy, parseChargePolicies } from './charge-policy';
import { repairFactsProblems } from './repair-facts';

// A valid policy; each test breaks one thing in a copy.
const policy = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'shop',
  version: 1,
  currency: 'CNY',
  freeStones: 3,
  stoneFees: { small: 0.5, medium: 1, large: 1.5 },
  freePartValueBelow: 50,
  rules: [
    { id: 'refuse-others', when: { soldByUs: false }, outcome: 'refused', reason: 'not ours' },
    { id: 'stones', when: { damage: 'lost-stones', lostStones: { min: 4 } }, outcome: 'material-fee-only', reason: 'r', charge: { stones: 'beyond-free' } },
    { id: 'rest', when: {}, outcome: 'charged', reason: 'price list', charge: { parts: 'value', labour: 'cost' } },
  ],
  ...overrides,
});

const rules = (...list: unknown[]) => ({ rules: [...list, { id: 'rest', outcome: 'free-repair', reason: 'r' }] });

function errorsOf(...policies: unknown[]): string[] {
  const parsed = parseChargePolicies({ policies });
  return parsed.ok ? [] : parsed.errors;
}

describe('parseChargePolicies', () => {
  it('given the shipped config/charge-policies.json, then both seed policies parse', () => {
    const file = JSON.parse(readFileSync(join(process.cwd(), 'config/charge-policies.json'), 'utf8')) as unknown;
    const parsed = parseChargePolicies(file);
    expect(parsed).toMatchObject({ ok: true });
    if (!parsed.ok) return;
    expect(parsed.catalog.policies.map((p) => `${p.id}@${p.version}`)).toEqual(['retail-repair@1', 'dealer-service@1']);
    expect(findChargePolicy(parsed.catalog, 'retail-repair')?.stoneFees).toEqual({ small: 0.5, medium: 1, large: 1.5 });
    expect(findChargePolicy(parsed.catalog, 'dealer-service', 1)?.freePartValueBelow).toBe(50);
  });

  it('fills charge items left out as free and keeps a valid policy as written', () => {
    const parsed = parseChargePolicies({ policies: [policy()] });
    expect(parsed.ok && parsed.catalog.policies[0]!.rules[0]).toEqual({
      id: 'refuse-others',
      when: { soldByUs: false },
      outcome: 'refused',
      reason: 'not ours',
      charge: { material: 'free', labour: 'free', stones: 'free', parts: 'free' },
    });
  });

  it('finds the newest version when none is asked for', () => {
    const parsed = parseChargePolicies({ policies: [policy(), policy({ version: 3 }), policy({ version: 2 })] });
    expect(parsed.ok && findChargePolicy(parsed.catalog, 'shop')?.version).toBe(3);
    expect(parsed.ok && findChargePolicy(parsed.catalog, 'other')).toBeUndefined();
  });

  it.each([
    ['not an object', 42, ['the charge policy file must hold a JSON object']],
    ['no policies', {}, ['policies: must be a non-empty list']],
  ])('refuses a file that is %s', (_name, file, errors) => {
    expect(parseChargePolicies(file)).toEqual({ ok: false, errors });
  });

  it.each([
    ['a bad id', policy({ id: ' x' }), 'policy #1: id: " x": an id is'],
    ['a bad version', policy({ version: 0 }), 'policy shop: version: 0: a version is an integer >= 1'],
    ['no currency', policy({ currency: undefined }), 'policy shop@1: currency: missing must be an ISO 4217 code'],
    ['a negative free stone count', policy({ freeStones: -1 }), 'policy shop@1: freeStones: -1 must be a whole number >= 0'],
    ['a missing stone size', policy({ stoneFees: { small: 1, medium: 1 } }), 'policy shop@1: stoneFees.large: missing must be an amount >= 0'],
    ['an unknown stone size', policy({ stoneFees: { small: 1, medium: 1, large: 1, huge: 2 } }), 'stoneFees.huge: is not a stone size'],
    ['a zero part threshold', policy({ freePartValueBelow: 0 }), 'freePartValueBelow: 0 must be an amount > 0'],
    ['zero warranty days', policy({ warrantyDays: 0 }), 'warrantyDays: 0 must be a whole number of days >= 1'],
    ['no rules', policy({ rules: [] }), 'policy shop@1: rules: must be a non-empty list'],
    ['a last rule with conditions', policy({ rules: [{ id: 'a', when: { soldByUs: true }, outcome: 'refused', reason: 'r' }] }), 'rule a (#1): the last rule must have no conditions'],
    ['a catch-all before the end', policy(rules({ id: 'all', outcome: 'refused', reason: 'r' })), 'rule all (#1): has no conditions, so the rules after it can never match'],
    ['a repeated rule id', policy(rules({ id: 'rest', when: { soldByUs: true }, outcome: 'refused', reason: 'r' })), 'rule rest (#2): the id is used by an earlier rule'],
    ['an unknown outcome', policy(rules({ id: 'a', when: { soldByUs: true }, outcome: 'swap', reason: 'r' })), 'rule a (#1): outcome: "swap" is not one of'],
    ['no reason', policy(rules({ id: 'a', when: { soldByUs: true }, outcome: 'refused' })), 'rule a (#1): reason: must be a non-empty text'],
    ['an unknown rule field', policy(rules({ id: 'a', when: { soldByUs: true }, outcome: 'refused', reason: 'r', then: 1 })), 'rule a (#1): then: is not a rule field'],
    ['an unknown condition', policy(rules({ id: 'a', when: { colour: 'red' }, outcome: 'refused', reason: 'r' })), 'rule a (#1): when.colour: is not a condition'],
    ['an unknown damage', policy(rules({ id: 'a', when: { damage: 'rust' }, outcome: 'refused', reason: 'r' })), 'rule a (#1): when.damage: "rust" not in quality-defect'],
    ['an unknown damage in a list', policy(rules({ id: 'a', when: { damage: { notIn: ['fading', 'rust'] } }, outcome: 'refused', reason: 'r' })), 'when.damage.notIn: "rust" not in'],
    ['an empty word list', policy(rules({ id: 'a', when: { cause: { in: [] } }, outcome: 'refused', reason: 'r' })), 'when.cause.in: [] must be a non-empty list'],
    ['a word matcher with two keys', policy(rules({ id: 'a', when: { cause: { in: ['product'], notIn: ['customer'] } }, outcome: 'refused', reason: 'r' })), 'when.cause: {"in":["product"],"notIn":["customer"]} must be a word'],
    ['a range with a fraction', policy(rules({ id: 'a', when: { daysSinceSale: { max: 2.5 } }, outcome: 'refused', reason: 'r' })), 'when.daysSinceSale.max: 2.5 must be a whole number >= 0'],
    ['a range with min above max', policy(rules({ id: 'a', when: { daysSinceSale: { min: 8, max: 7 } }, outcome: 'refused', reason: 'r' })), 'when.daysSinceSale: min 8 is greater than max 7'],
    ['an empty range', policy(rules({ id: 'a', when: { lostStones: {} }, outcome: 'refused', reason: 'r' })), 'when.lostStones: {} must be { "min": n, "max": n }'],
    ['a boolean condition as text', policy(rules({ id: 'a', when: { soldByUs: 'no' }, outcome: 'refused', reason: 'r' })), 'when.soldByUs: "no" must be true or false'],
    ['an unknown charge item', policy(rules({ id: 'a', when: { soldByUs: true }, outcome: 'charged', reason: 'r', charge: { tax: 'cost' } })), 'charge.tax: is not a charge item'],
    ['an unknown charge choice', policy(rules({ id: 'a', when: { soldByUs: true }, outcome: 'charged', reason: 'r', charge: { labour: 'double' } })), 'charge.labour: "double" is not one of free, cost'],
    ['a refusal that charges', policy(rules({ id: 'a', when: { soldByUs: true }, outcome: 'refused', reason: 'r', charge: { material: 'cost' } })), 'rule a (#1): charge: a refused outcome charges nothing'],
    ['a free repair charging parts at value', policy(rules({ id: 'a', when: { soldByUs: true }, outcome: 'free-repair', reason: 'r', charge: { parts: 'value' } })), 'charge.parts: a free-repair outcome does not charge parts at value'],
    ['stone fees without the allowance', policy({ freeStones: undefined }), 'rule stones (#2): charge.stones: beyond-free needs the policy\'s freeStones and stoneFees'],
    ['old-for-new without a threshold', policy({ freePartValueBelow: undefined, ...rules({ id: 'a', when: { soldByUs: true }, outcome: 'free-repair', reason: 'r', charge: { parts: 'old-for-new' } }) }), 'charge.parts: old-for-new needs the policy\'s freePartValueBelow'],
  ])('refuses %s, naming the policy, rule and field', (_name, raw, expected) => {
    const errors = errorsOf(raw);
    expect(errors.some((error) => error.includes(expected))).toBe(true);
  });

  it('reports every problem at once, and a policy given twice', () => {
    const errors = errorsOf(policy(), policy(), policy({ id: 'b', currency: 'yuan', freeStones: 1.5 }));
    expect(errors).toEqual([
      'policy shop@1: appears twice (policies #1 and #2)',
      'policy b@1: currency: "yuan" must be an ISO 4217 code such as CNY',
      'policy b@1: freeStones: 1.5 must be a whole number >= 0',
    ]);
  });
});

describe('repairFactsProblems', () => {
  const valid = { cause: 'product', damage: 'fading', specialPrice: false, soldByUs: true, daysSinceSale: 0 };

  it('accepts complete facts', () => {
    expect(repairFactsProblems(valid)).toEqual([]);
    expect(
      repairFactsProblems({ ...valid, hasReceipt: true, lostStones: { small: 2 }, parts: [{ name: 'p', value: 1, materialCost: 0 }], labourCost: 3 }),
    ).toEqual([]);
  });

  it('names every field at fault', () => {
    expect(
      repairFactsProblems({
        cause: 'weather',
        damage: 'rust',
        specialPrice: 'no',
        daysSinceSale: -1,
        hasTag: 1,
        materialCost: -2,
        lostStones: { tiny: 1, small: 0.5 },
        parts: [{ value: 'x' }, 3],
      }),
    ).toEqual([
      'facts.cause: must be one of product, customer',
      expect.stringContaining('facts.damage: must be one of quality-defect'),
      'facts.specialPrice: must be true or false',
      'facts.soldByUs: must be true or false',
      'facts.hasTag: must be true or false when given',
      'facts.daysSinceSale: must be a whole number of days >= 0',
      'facts.materialCost: must be an amount >= 0',
      'facts.lostStones.tiny: is not a stone size (small, medium, large)',
      'facts.lostStones.small: must be a whole number >= 0',
      'facts.parts[0].name: must be a non-empty string',
      'facts.parts[0].value: must be an amount >= 0',
      'facts.parts[1]: must be an object',
    ]);
    expect(repairFactsProblems(null)).toEqual(['facts: must be an object']);
  });
});
