import { isRecord, show } from '../sla/json-value';
import { parseConditions, type ChargeConditions } from './charge-conditions';
import { CHARGE_OUTCOMES, STONE_SIZES, type ChargeOutcome, type StoneSize } from './repair-facts';

/**
 * What a rule charges, item by item; every item is free unless the rule says otherwise.
 * - material `cost`: the facts' materialCost (or the parts' material costs);
 * - labour `cost`: the facts' labourCost;
 * - stones `beyond-free`: lost stones beyond the policy's `freeStones`, at its `stoneFees`;
 * - parts `value`: every part at its price-list value; `old-for-new`: parts below the policy's
 *   `freePartValueBelow` are free, the others are exchanged old-for-new (no charge to the customer).
 */
export type ChargeSpec = Readonly<{
  material: 'free' | 'cost';
  labour: 'free' | 'cost';
  stones: 'free' | 'beyond-free';
  parts: 'free' | 'value' | 'old-for-new';
}>;

export type ChargeRule = Readonly<{
  id: string;
  when: ChargeConditions;
  outcome: ChargeOutcome;
  reason: string;
  charge: ChargeSpec;
}>;

export type ChargePolicy = Readonly<{
  id: string;
  version: number;
  name?: string;
  /** ISO 4217 code of every amount (the seeds' 元 is CNY). */
  currency: string;
  /** Lost stones repaired free before `stoneFees` apply. */
  freeStones?: number;
  stoneFees?: Readonly<Record<StoneSize, number>>;
  /** Parts strictly below this value are free under `parts: old-for-new`. */
  freePartValueBelow?: number;
  /**
   * When the facts do not say `inWarranty`: in warranty while daysSinceSale < warrantyDays (the
   * sale day is day 0, so 365 covers the sale day and the 364 days after it).
   */
  warrantyDays?: number;
  /** Ordered: the first rule whose conditions hold decides. The last one has no conditions. */
  rules: readonly ChargeRule[];
}>;

export type ChargePolicyCatalog = Readonly<{ policies: readonly ChargePolicy[] }>;

export type ChargePolicyParse = { ok: true; catalog: ChargePolicyCatalog } | { ok: false; errors: string[] };

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const CURRENCY = /^[A-Z]{3}$/;
const FREE: ChargeSpec = { material: 'free', labour: 'free', stones: 'free', parts: 'free' };
const CHARGE_CHOICES: Readonly<Record<keyof ChargeSpec, readonly string[]>> = {
  material: ['free', 'cost'],
  labour: ['free', 'cost'],
  stones: ['free', 'beyond-free'],
  parts: ['free', 'value', 'old-for-new'],
};
/** Outcomes that charge the customer nothing; a free repair may still swap parts old-for-new. */
const NOTHING_CHARGED: readonly ChargeOutcome[] = ['exchange', 'return-or-exchange', 'refused', 'free-repair'];

export function findChargePolicy(catalog: ChargePolicyCatalog, id: string, version?: number): ChargePolicy | undefined {
  const candidates = catalog.policies.filter((policy) => policy.id === id && (version === undefined || policy.version === version));
  return candidates.reduce<ChargePolicy | undefined>((newest, p) => (newest && newest.version > p.version ? newest : p), undefined);
}

/**
 * Reads `config/charge-policies.json`. Every problem is reported at once, each naming the policy
 * (`id@version`, or its position), the rule (`rule <id> (#n)`) and the field.
 */
export function parseChargePolicies(json: unknown): ChargePolicyParse {
  if (!isRecord(json)) return { ok: false, errors: ['the charge policy file must hold a JSON object'] };
  if (!Array.isArray(json['policies']) || json['policies'].length === 0) {
    return { ok: false, errors: ['policies: must be a non-empty list'] };
  }
  const errors: string[] = [];
  const policies: ChargePolicy[] = [];
  const seen = new Map<string, number>();
  json['policies'].forEach((raw: unknown, index) => {
    const policy = parseChargePolicy(raw, errors, `policy #${index + 1}`);
    if (!policy) return;
    const key = `${policy.id}@${policy.version}`;
    const first = seen.get(key);
    if (first !== undefined) errors.push(`policy ${key}: appears twice (policies #${first + 1} and #${index + 1})`);
    else seen.set(key, index);
    policies.push(policy);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, catalog: { policies } };
}

/** One policy; its problems are appended to `errors`. Also used to check a policy a command brings. */
export function parseChargePolicy(raw: unknown, errors: string[], position = 'policy'): ChargePolicy | undefined {
  if (!isRecord(raw)) {
    errors.push(`${position}: must be an object`);
    return undefined;
  }
  const { id, version } = raw;
  const idOk = typeof id === 'string' && ID.test(id);
  const versionOk = Number.isInteger(version) && (version as number) >= 1;
  const label = idOk ? (versionOk ? `policy ${id}@${version}` : `policy ${id}`) : position;
  const before = errors.length;
  const fail = (field: string, problem: string) => errors.push(`${label}: ${field}: ${problem}`);
  if (!idOk) fail('id', `${show(id)}: an id is 1-100 letters, digits or . _ : - starting with a letter or digit`);
  if (!versionOk) fail('version', `${show(version)}: a version is an integer >= 1`);
  if (raw['name'] !== undefined && typeof raw['name'] !== 'string') fail('name', `${show(raw['name'])} must be text`);
  if (typeof raw['currency'] !== 'string' || !CURRENCY.test(raw['currency'])) {
    fail('currency', `${show(raw['currency'])} must be an ISO 4217 code such as CNY`);
  }
  const { freeStones, stoneFees, freePartValueBelow, warrantyDays } = raw;
  if (freeStones !== undefined && !(Number.isInteger(freeStones) && (freeStones as number) >= 0)) {
    fail('freeStones', `${show(freeStones)} must be a whole number >= 0`);
  }
  if (stoneFees !== undefined) checkStoneFees(stoneFees, fail);
  if (freePartValueBelow !== undefined && !(isAmount(freePartValueBelow) && (freePartValueBelow as number) > 0)) {
    fail('freePartValueBelow', `${show(freePartValueBelow)} must be an amount > 0`);
  }
  if (warrantyDays !== undefined && !(Number.isInteger(warrantyDays) && (warrantyDays as number) >= 1)) {
    fail('warrantyDays', `${show(warrantyDays)} must be a whole number of days >= 1`);
  }
  const rules = parseRules(raw, fail);
  if (errors.length > before || !rules) return undefined;
  return {
    id: id as string,
    version: version as number,
    ...(typeof raw['name'] === 'string' ? { name: raw['name'] } : {}),
    currency: raw['currency'] as string,
    ...(freeStones === undefined ? {} : { freeStones: freeStones as number }),
    ...(stoneFees === undefined ? {} : { stoneFees: stoneFees as Record<StoneSize, number> }),
    ...(freePartValueBelow === undefined ? {} : { freePartValueBelow: freePartValueBelow as number }),
    ...(warrantyDays === undefined ? {} : { warrantyDays: warrantyDays as number }),
    rules,
  };
}

type Fail = (field: string, problem: string) => void;

function checkStoneFees(raw: unknown, fail: Fail): void {
  if (!isRecord(raw)) {
    fail('stoneFees', `${show(raw)} must be an object with ${STONE_SIZES.join(', ')}`);
    return;
  }
  for (const key of Object.keys(raw)) {
    if (!(STONE_SIZES as readonly string[]).includes(key)) fail(`stoneFees.${key}`, `is not a stone size (${STONE_SIZES.join(', ')})`);
  }
  for (const size of STONE_SIZES) {
    if (!isAmount(raw[size])) fail(`stoneFees.${size}`, `${show(raw[size])} must be an amount >= 0`);
  }
}

function parseRules(policy: Record<string, unknown>, fail: Fail): ChargeRule[] | undefined {
  const raw = policy['rules'];
  if (!Array.isArray(raw) || raw.length === 0) {
    fail('rules', 'must be a non-empty list (the last rule, without conditions, decides what no other rule does)');
    return undefined;
  }
  const rules: ChargeRule[] = [];
  const ids = new Set<string>();
  let ok = true;
  raw.forEach((item: unknown, index) => {
    const rule = parseRule(item, index, policy, (field, problem) => {
      ok = false;
      fail(field, problem);
    });
    if (!rule) return;
    if (ids.has(rule.id)) {
      ok = false;
      fail(`rule ${rule.id} (#${index + 1})`, 'the id is used by an earlier rule');
    }
    ids.add(rule.id);
    const catchAll = Object.keys(rule.when).length === 0;
    if (catchAll && index < raw.length - 1) {
      ok = false;
      fail(`rule ${rule.id} (#${index + 1})`, 'has no conditions, so the rules after it can never match');
    }
    if (!catchAll && index === raw.length - 1) {
      ok = false;
      fail(`rule ${rule.id} (#${index + 1})`, 'the last rule must have no conditions, so every repair gets a decision');
    }
    rules.push(rule);
  });
  return ok ? rules : undefined;
}

function parseRule(raw: unknown, index: number, policy: Record<string, unknown>, fail: Fail): ChargeRule | undefined {
  if (!isRecord(raw)) {
    fail(`rules[${index}]`, 'must be an object with id, when, outcome, reason and charge');
    return undefined;
  }
  const { id, outcome, reason } = raw;
  const label = typeof id === 'string' && ID.test(id) ? `rule ${id} (#${index + 1})` : `rules[${index}]`;
  let ok = true;
  const problem = (field: string, text: string) => {
    ok = false;
    fail(`${label}: ${field}`, text);
  };
  for (const key of Object.keys(raw)) {
    if (!['id', 'when', 'outcome', 'reason', 'charge'].includes(key)) problem(key, 'is not a rule field (id, when, outcome, reason, charge)');
  }
  if (typeof id !== 'string' || !ID.test(id)) problem('id', `${show(id)}: a rule id is 1-100 letters, digits or . _ : -`);
  if (!(CHARGE_OUTCOMES as readonly unknown[]).includes(outcome)) problem('outcome', `${show(outcome)} is not one of ${CHARGE_OUTCOMES.join(', ')}`);
  if (typeof reason !== 'string' || reason.trim() === '') problem('reason', 'must be a non-empty text');
  const when = parseConditions(raw['when'], problem);
  const charge = parseCharge(raw['charge'], problem);
  if (!ok || !when || !charge) return undefined;
  const free = (NOTHING_CHARGED as readonly string[]).includes(outcome as string);
  if (free && (charge.material !== 'free' || charge.labour !== 'free' || charge.stones !== 'free')) {
    problem('charge', `a ${String(outcome)} outcome charges nothing: material, labour and stones must be free`);
  }
  if (free && charge.parts === 'value') problem('charge.parts', `a ${String(outcome)} outcome does not charge parts at value`);
  if (charge.stones === 'beyond-free' && (policy['freeStones'] === undefined || policy['stoneFees'] === undefined)) {
    problem('charge.stones', 'beyond-free needs the policy\'s freeStones and stoneFees');
  }
  if (charge.parts === 'old-for-new' && policy['freePartValueBelow'] === undefined) {
    problem('charge.parts', 'old-for-new needs the policy\'s freePartValueBelow');
  }
  return ok ? { id: id as string, when, outcome: outcome as ChargeOutcome, reason: reason as string, charge } : undefined;
}

function parseCharge(raw: unknown, fail: Fail): ChargeSpec | undefined {
  if (raw === undefined) return FREE;
  if (!isRecord(raw)) {
    fail('charge', `${show(raw)} must be an object such as { "material": "cost" }`);
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(raw)) {
    const choices = (CHARGE_CHOICES as Record<string, readonly string[] | undefined>)[key];
    if (!choices) {
      fail(`charge.${key}`, `is not a charge item (${Object.keys(CHARGE_CHOICES).join(', ')})`);
      ok = false;
    } else if (!choices.includes(raw[key] as string)) {
      fail(`charge.${key}`, `${show(raw[key])} is not one of ${choices.join(', ')}`);
      ok = false;
    }
  }
  return ok ? ({ ...FREE, ...raw } as ChargeSpec) : undefined;
}

function isAmount(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
