/**
 * What a repair desk establishes about an item before the charge rules run, and the decision
 * they return. Plain JSON, so facts and decisions are stored in events unchanged.
 */
export const REPAIR_CAUSES = ['product', 'customer'] as const;
export type RepairCause = (typeof REPAIR_CAUSES)[number];

/** The damages the retail repair policy (third seed document) names, plus `other`. */
export const DAMAGES = [
  'quality-defect',
  'weld-break',
  'zinc-alloy-break',
  'fading',
  'surface',
  'crystal',
  'oxidation',
  'odd-shaped-stone',
  'missing-part',
  'crushed',
  'dropped',
  'severe',
  'lost-stones',
  'other',
] as const;
export type Damage = (typeof DAMAGES)[number];

export const STONE_SIZES = ['small', 'medium', 'large'] as const;
export type StoneSize = (typeof STONE_SIZES)[number];
/** Lost stones by size; a size left out counts 0. */
export type StoneCounts = Readonly<Partial<Record<StoneSize, number>>>;

/** A part the repair needs, at the manufacturer's price list `value`. */
export type RepairPart = Readonly<{ name: string; value: number; materialCost?: number }>;

export type RepairFacts = Readonly<{
  cause: RepairCause;
  damage: Damage;
  specialPrice: boolean;
  soldByUs: boolean;
  /** Whole local days from the sale date to the report date: the sale day is day 0. */
  daysSinceSale: number;
  /** Absent reads as false: a receipt, tag or packaging nobody showed does not count. */
  hasReceipt?: boolean;
  hasTag?: boolean;
  originalPackaging?: boolean;
  /** Filled by the asset aggregate from its coverage; absent, a policy's `warrantyDays` decides. */
  inWarranty?: boolean;
  lostStones?: StoneCounts;
  parts?: readonly RepairPart[];
  /** Material cost of the repair; absent, the sum of the parts' `materialCost`. */
  materialCost?: number;
  labourCost?: number;
}>;

export const CHARGE_OUTCOMES = [
  'exchange',
  'return-or-exchange',
  'free-repair',
  'material-fee-only',
  'charged',
  'refused',
] as const;
export type ChargeOutcome = (typeof CHARGE_OUTCOMES)[number];

export type ChargeAmounts = Readonly<{ material: number; labour: number; stones: number; parts: number; total: number }>;

export type PartTreatment = 'free' | 'old-for-new' | 'charged';

export type ChargeDecision = Readonly<{
  outcome: ChargeOutcome;
  /** In the policy's currency, rounded to cents. */
  amounts: ChargeAmounts;
  /** How each part of the facts was treated, in their order (empty without parts). */
  parts: readonly Readonly<{ name: string; value: number; treatment: PartTreatment }>[];
  ruleId: string;
  reason: string;
}>;

/**
 * The problems of facts that arrived from outside (HTTP, queues), each as `field: problem`;
 * empty when the facts can be assessed. `prefix` names where they sit in a command.
 */
export function repairFactsProblems(raw: unknown, prefix = 'facts'): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [`${prefix}: must be an object`];
  const facts = raw as Record<string, unknown>;
  const problems: string[] = [];
  const add = (field: string, problem: string) => problems.push(`${prefix}.${field}: ${problem}`);
  if (!oneOf(REPAIR_CAUSES, facts['cause'])) add('cause', `must be one of ${REPAIR_CAUSES.join(', ')}`);
  if (!oneOf(DAMAGES, facts['damage'])) add('damage', `must be one of ${DAMAGES.join(', ')}`);
  for (const field of ['specialPrice', 'soldByUs'] as const) {
    if (typeof facts[field] !== 'boolean') add(field, 'must be true or false');
  }
  for (const field of ['hasReceipt', 'hasTag', 'originalPackaging', 'inWarranty'] as const) {
    if (facts[field] !== undefined && typeof facts[field] !== 'boolean') add(field, 'must be true or false when given');
  }
  if (!isCount(facts['daysSinceSale'])) add('daysSinceSale', 'must be a whole number of days >= 0');
  for (const field of ['materialCost', 'labourCost'] as const) {
    if (facts[field] !== undefined && !isAmount(facts[field])) add(field, 'must be an amount >= 0');
  }
  const stones = facts['lostStones'];
  if (stones !== undefined) {
    if (typeof stones !== 'object' || stones === null || Array.isArray(stones)) add('lostStones', 'must be an object');
    else {
      const counts = stones as Record<string, unknown>;
      for (const key of Object.keys(counts)) {
        if (!oneOf(STONE_SIZES, key)) add(`lostStones.${key}`, `is not a stone size (${STONE_SIZES.join(', ')})`);
      }
      for (const size of STONE_SIZES) {
        if (counts[size] !== undefined && !isCount(counts[size])) add(`lostStones.${size}`, 'must be a whole number >= 0');
      }
    }
  }
  const parts = facts['parts'];
  if (parts !== undefined) {
    if (!Array.isArray(parts)) add('parts', 'must be a list');
    else parts.forEach((part: unknown, i) => problems.push(...partProblems(part, `${prefix}.parts[${i}]`)));
  }
  return problems;
}

function partProblems(raw: unknown, path: string): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [`${path}: must be an object`];
  const part = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof part['name'] !== 'string' || part['name'].trim() === '') problems.push(`${path}.name: must be a non-empty string`);
  if (!isAmount(part['value'])) problems.push(`${path}.value: must be an amount >= 0`);
  if (part['materialCost'] !== undefined && !isAmount(part['materialCost'])) {
    problems.push(`${path}.materialCost: must be an amount >= 0`);
  }
  return problems;
}

/** Total lost stones of all sizes. */
export function lostStoneCount(facts: RepairFacts): number {
  const stones = facts.lostStones;
  return stones ? (stones.small ?? 0) + (stones.medium ?? 0) + (stones.large ?? 0) : 0;
}

function oneOf(values: readonly string[], value: unknown): boolean {
  return typeof value === 'string' && values.includes(value);
}

function isCount(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0;
}

function isAmount(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
