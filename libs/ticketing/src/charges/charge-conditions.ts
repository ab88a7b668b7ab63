import { isRecord, show } from '../sla/json-value';
import { DAMAGES, REPAIR_CAUSES, lostStoneCount, type Damage, type RepairCause, type RepairFacts } from './repair-facts';

/** A word fact is one of a list, or none of it. In the file a single word is short for `{ in: [word] }`. */
export type WordMatcher<T extends string> = Readonly<{ in: readonly T[] }> | Readonly<{ notIn: readonly T[] }>;

/** A number fact within bounds, both inclusive; a bound left out is open. */
export type RangeMatcher = Readonly<{ min?: number; max?: number }>;

export const BOOLEAN_FACTS = ['specialPrice', 'soldByUs', 'hasReceipt', 'hasTag', 'originalPackaging', 'inWarranty'] as const;
export type BooleanFact = (typeof BOOLEAN_FACTS)[number];

/** All given conditions must hold (AND); an empty object matches every repair. */
export type ChargeConditions = Readonly<
  {
    cause?: WordMatcher<RepairCause>;
    damage?: WordMatcher<Damage>;
    daysSinceSale?: RangeMatcher;
    /** The total of lost stones of all sizes. */
    lostStones?: RangeMatcher;
  } & Partial<Record<BooleanFact, boolean>>
>;

const CONDITION_KEYS: readonly string[] = ['cause', 'damage', 'daysSinceSale', 'lostStones', ...BOOLEAN_FACTS];

/**
 * Whether the facts meet the conditions. `inWarranty` is the resolved value (facts, or the
 * policy's `warrantyDays`); when it is unknown an `inWarranty` condition does not hold.
 * The other optional booleans (receipt, tag, packaging) read as false when absent.
 */
export function conditionsHold(when: ChargeConditions, facts: RepairFacts, inWarranty: boolean | undefined): boolean {
  if (when.cause && !wordMatches(when.cause, facts.cause)) return false;
  if (when.damage && !wordMatches(when.damage, facts.damage)) return false;
  if (when.daysSinceSale && !inRange(when.daysSinceSale, facts.daysSinceSale)) return false;
  if (when.lostStones && !inRange(when.lostStones, lostStoneCount(facts))) return false;
  return BOOLEAN_FACTS.every((fact) => {
    const wanted = when[fact];
    if (wanted === undefined) return true;
    const actual = fact === 'inWarranty' ? inWarranty : (facts[fact] ?? false);
    return actual === wanted;
  });
}

function wordMatches<T extends string>(matcher: WordMatcher<T>, value: T): boolean {
  return 'in' in matcher ? matcher.in.includes(value) : !matcher.notIn.includes(value);
}

function inRange(range: RangeMatcher, value: number): boolean {
  return (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
}

type Fail = (field: string, problem: string) => void;

/** Reads a rule's `when` from the file; reports each problem through `fail`. */
export function parseConditions(raw: unknown, fail: Fail): ChargeConditions | undefined {
  if (raw === undefined) return {};
  if (!isRecord(raw)) {
    fail('when', `${show(raw)} must be an object of conditions ({} matches every repair)`);
    return undefined;
  }
  let ok = true;
  const problem: Fail = (field, text) => {
    ok = false;
    fail(field, text);
  };
  for (const key of Object.keys(raw)) {
    if (!CONDITION_KEYS.includes(key)) problem(`when.${key}`, `is not a condition (${CONDITION_KEYS.join(', ')})`);
  }
  const conditions: Record<string, unknown> = {};
  const cause = parseWords('when.cause', raw['cause'], REPAIR_CAUSES, problem);
  const damage = parseWords('when.damage', raw['damage'], DAMAGES, problem);
  const days = parseRange('when.daysSinceSale', raw['daysSinceSale'], problem);
  const stones = parseRange('when.lostStones', raw['lostStones'], problem);
  if (cause) conditions['cause'] = cause;
  if (damage) conditions['damage'] = damage;
  if (days) conditions['daysSinceSale'] = days;
  if (stones) conditions['lostStones'] = stones;
  for (const fact of BOOLEAN_FACTS) {
    const value = raw[fact];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') problem(`when.${fact}`, `${show(value)} must be true or false`);
    else conditions[fact] = value;
  }
  return ok ? (conditions as ChargeConditions) : undefined;
}

function parseWords<T extends string>(
  field: string,
  raw: unknown,
  words: readonly T[],
  fail: Fail,
): WordMatcher<T> | undefined {
  if (raw === undefined) return undefined;
  const known = (list: unknown[], path: string): list is T[] => {
    const unknown = list.filter((word) => !(words as readonly unknown[]).includes(word));
    if (unknown.length > 0) fail(path, `${unknown.map(show).join(', ')} not in ${words.join(', ')}`);
    return unknown.length === 0;
  };
  if (typeof raw === 'string') return known([raw], field) ? { in: [raw as T] } : undefined;
  if (!isRecord(raw) || Object.keys(raw).length !== 1 || !('in' in raw || 'notIn' in raw)) {
    fail(field, `${show(raw)} must be a word, { "in": [...] } or { "notIn": [...] }`);
    return undefined;
  }
  const key = 'in' in raw ? 'in' : 'notIn';
  const list = raw[key];
  if (!Array.isArray(list) || list.length === 0) {
    fail(`${field}.${key}`, `${show(list)} must be a non-empty list`);
    return undefined;
  }
  if (!known(list, `${field}.${key}`)) return undefined;
  return key === 'in' ? { in: list } : { notIn: list };
}

function parseRange(field: string, raw: unknown, fail: Fail): RangeMatcher | undefined {
  if (raw === undefined) return undefined;
  if (!isRecord(raw) || Object.keys(raw).some((key) => key !== 'min' && key !== 'max') || Object.keys(raw).length === 0) {
    fail(field, `${show(raw)} must be { "min": n, "max": n } (either bound may be left out)`);
    return undefined;
  }
  const { min, max } = raw;
  let ok = true;
  for (const [name, bound] of [['min', min], ['max', max]] as const) {
    if (bound !== undefined && !(Number.isInteger(bound) && (bound as number) >= 0)) {
      fail(`${field}.${name}`, `${show(bound)} must be a whole number >= 0`);
      ok = false;
    }
  }
  if (ok && typeof min === 'number' && typeof max === 'number' && min > max) {
    fail(field, `min ${min} is greater than max ${max}: no repair could match`);
    ok = false;
  }
  return ok ? { ...(min === undefined ? {} : { min: min as number }), ...(max === undefined ? {} : { max: max as number }) } : undefined;
}
