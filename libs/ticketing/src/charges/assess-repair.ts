import { conditionsHold } from './charge-conditions';
import type { ChargePolicy, ChargeRule } from './charge-policy';
import { STONE_SIZES, type ChargeDecision, type PartTreatment, type RepairFacts, type StoneSize } from './repair-facts';

/**
 * The charge decision for a repair: the first rule of the policy whose conditions hold decides
 * the outcome, and its charge spec turns the facts into amounts. Pure and total: a parsed policy
 * ends with a rule without conditions, so some rule always decides. Amounts are in the policy's
 * currency, computed in cents so that 0.5 + 1 + 1.5 is exactly 3.
 */
export function assessRepair(policy: ChargePolicy, facts: RepairFacts): ChargeDecision {
  const inWarranty =
    facts.inWarranty ?? (policy.warrantyDays === undefined ? undefined : facts.daysSinceSale < policy.warrantyDays);
  const rule = policy.rules.find((candidate) => conditionsHold(candidate.when, facts, inWarranty));
  if (!rule) throw new Error(`charge policy ${policy.id}@${policy.version} has no rule for these facts`);
  return decisionOf(policy, rule, facts);
}

function decisionOf(policy: ChargePolicy, rule: ChargeRule, facts: RepairFacts): ChargeDecision {
  const { charge } = rule;
  const partsCharged = charge.parts === 'value';
  const parts = (facts.parts ?? []).map((part) => ({
    name: part.name,
    value: part.value,
    treatment: partTreatment(charge.parts, part.value, policy.freePartValueBelow),
  }));
  const material = charge.material === 'cost' ? cents(materialCost(facts)) : 0;
  const labour = charge.labour === 'cost' ? cents(facts.labourCost ?? 0) : 0;
  const stones = charge.stones === 'beyond-free' ? stoneFeeCents(policy, facts) : 0;
  const partValue = partsCharged ? parts.reduce((sum, part) => sum + cents(part.value), 0) : 0;
  return {
    outcome: rule.outcome,
    amounts: {
      material: material / 100,
      labour: labour / 100,
      stones: stones / 100,
      parts: partValue / 100,
      total: (material + labour + stones + partValue) / 100,
    },
    parts,
    ruleId: rule.id,
    reason: rule.reason,
  };
}

function partTreatment(spec: ChargeRule['charge']['parts'], value: number, freeBelow: number | undefined): PartTreatment {
  switch (spec) {
    case 'free':
      return 'free';
    case 'value':
      return 'charged';
    case 'old-for-new':
      return freeBelow !== undefined && value < freeBelow ? 'free' : 'old-for-new';
    default: {
      const _never: never = spec;
      return _never;
    }
  }
}

/** The facts' materialCost, or when absent the sum of the parts' material costs. */
function materialCost(facts: RepairFacts): number {
  return facts.materialCost ?? (facts.parts ?? []).reduce((sum, part) => sum + (part.materialCost ?? 0), 0);
}

/**
 * Fees for lost stones beyond the free allowance. The free stones are the dearest ones (large,
 * then medium, then small): the seed says "up to 3 free, beyond that a fee" without saying which
 * stones are the beyond ones, and the reading kinder to the customer is the one a shop defends.
 */
function stoneFeeCents(policy: ChargePolicy, facts: RepairFacts): number {
  const fees = policy.stoneFees;
  if (!fees) return 0;
  let free = policy.freeStones ?? 0;
  const dearestFirst = [...STONE_SIZES].sort((a: StoneSize, b: StoneSize) => fees[b] - fees[a]);
  let total = 0;
  for (const size of dearestFirst) {
    const count = facts.lostStones?.[size] ?? 0;
    const waived = Math.min(free, count);
    free -= waived;
    total += (count - waived) * cents(fees[size]);
  }
  return total;
}

function cents(amount: number): number {
  return Math.round(amount * 100);
}
