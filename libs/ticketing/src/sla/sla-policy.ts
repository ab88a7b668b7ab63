import { SATISFACTION_KINDS, SEVERITIES, ZONES, type SatisfactionKind, type Severity, type Zone } from '../ticket-vocabulary';
import type { SlaCalendar } from './calendar';
import { parseCalendar } from './calendar-validation';
import { parseIsoDuration, type IsoDuration } from './iso-duration';
import { isRecord, show } from './json-value';

/** The per-ticket clocks (the service contract). `consultationAverage` is an aggregate, not here. */
export const SLA_METRICS = ['response', 'onsiteResolution', 'seniorArrival', 'restoration', 'report', 'arrival'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];

/** The urban and suburban arrival targets of the dealer agreement. */
export type ZoneTargets = Readonly<Record<Zone, IsoDuration>>;

/** A severity's targets; a metric left out has no clock for tickets of that severity. */
export type SeverityTargets = Readonly<{
  response?: IsoDuration;
  onsiteResolution?: IsoDuration;
  seniorArrival?: IsoDuration;
  restoration?: IsoDuration;
  report?: IsoDuration;
  arrival?: ZoneTargets;
}>;

/** One version of a policy, as `config/sla-policies.json` holds it (defaults filled in). */
export type SlaPolicy = Readonly<{
  id: string;
  version: number;
  name?: string;
  /** 24x7 when the file leaves it out. */
  calendar: SlaCalendar;
  /** Fractions of a target, ascending, each in (0, 1); [0.5, 0.75] when left out. */
  warningThresholds: readonly number[];
  targets: Readonly<Record<Severity, SeverityTargets>>;
  consultationAverage: IsoDuration;
  satisfactionTargets: Readonly<Record<SatisfactionKind, number>>;
  /** When a metric breaches, raise `EscalationRequired` with this reason ([] when left out). */
  escalations?: readonly EscalationRule[];
  /** A ticket under this policy closes only after the customer signed the repair order (the dealer agreement). */
  requireSignOffToClose?: boolean;
  /** Where the arrival clock starts: at the first dispatch (absent), or at the report (the dealer agreement's "after the call"). */
  arrivalFrom?: 'report';
  /**
   * Where each target's number comes from, by its path (`general.response`, `major.arrival.urban`):
   * the clause of the agreement that states it, or `deployment` for a number the agreement leaves
   * blank and the deployment chose. Read from a target written as `{ "target": "PT30M", "source": "..." }`.
   */
  targetSources?: Readonly<Record<string, string>>;
}>;

/** The IT plan's "send a senior engineer at once" as data: on a breach of `metric`, flag it. */
export type EscalationRule = Readonly<{ metric: SlaMetric; on: 'breach'; reason: string }>;

export type SlaPolicyCatalog = Readonly<{ defaultPolicyId: string; policies: readonly SlaPolicy[] }>;

export type SlaPolicyParse = { ok: true; catalog: SlaPolicyCatalog } | { ok: false; errors: string[] };

export const DEFAULT_WARNING_THRESHOLDS: readonly number[] = [0.5, 0.75];

const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export function findPolicy(catalog: SlaPolicyCatalog, id: string, version: number): SlaPolicy | undefined {
  return catalog.policies.find((policy) => policy.id === id && policy.version === version);
}

export function newestPolicy(catalog: SlaPolicyCatalog, id: string): SlaPolicy | undefined {
  return catalog.policies
    .filter((policy) => policy.id === id)
    .reduce<SlaPolicy | undefined>((newest, policy) => (newest && newest.version > policy.version ? newest : policy), undefined);
}

/** The target of a metric for a severity (and zone, for `arrival`; no zone reads as urban). */
export function targetOf(policy: SlaPolicy, severity: Severity, metric: SlaMetric, zone: Zone | null): IsoDuration | undefined {
  const targets = policy.targets[severity];
  return metric === 'arrival' ? targets.arrival?.[zone ?? 'urban'] : targets[metric];
}

/**
 * Reads the policy file's content. Every problem is reported, each naming the policy
 * (`id@version`, or its position when it has no usable id) and the field.
 */
export function parseSlaPolicies(json: unknown): SlaPolicyParse {
  const errors: string[] = [];
  if (!isRecord(json)) return { ok: false, errors: ['the SLA policy file must hold a JSON object'] };
  if (!Array.isArray(json['policies']) || json['policies'].length === 0) {
    return { ok: false, errors: ['policies: must be a non-empty list'] };
  }
  const policies: SlaPolicy[] = [];
  const seen = new Map<string, number>();
  json['policies'].forEach((raw: unknown, index) => {
    const policy = parsePolicy(raw, index, errors);
    if (!policy) return;
    const key = `${policy.id}@${policy.version}`;
    const first = seen.get(key);
    if (first !== undefined) errors.push(`policy ${key}: appears twice (policies #${first + 1} and #${index + 1})`);
    else seen.set(key, index);
    policies.push(policy);
  });
  const defaultPolicyId = json['defaultPolicyId'] ?? policies[0]?.id;
  if (typeof defaultPolicyId !== 'string') {
    errors.push(`defaultPolicyId: ${JSON.stringify(defaultPolicyId)} must be a policy id`);
  } else if (policies.length > 0 && !policies.some((policy) => policy.id === defaultPolicyId)) {
    errors.push(`defaultPolicyId: "${defaultPolicyId}" is not the id of any policy`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, catalog: { defaultPolicyId: defaultPolicyId as string, policies } };
}

function parsePolicy(raw: unknown, index: number, errors: string[]): SlaPolicy | undefined {
  if (!isRecord(raw)) {
    errors.push(`policy #${index + 1}: must be an object`);
    return undefined;
  }
  const { id, version } = raw;
  const idOk = typeof id === 'string' && POLICY_ID.test(id);
  const versionOk = Number.isInteger(version) && (version as number) >= 1;
  const label = idOk ? (versionOk ? `policy ${id}@${version}` : `policy ${id}`) : `policy #${index + 1}`;
  const before = errors.length;
  const fail = (field: string, problem: string) => errors.push(`${label}: ${field}: ${problem}`);
  if (!idOk) fail('id', `${show(id)}: an id is 1-100 letters, digits or . _ : - starting with a letter or digit`);
  if (!versionOk) fail('version', `${show(version)}: a version is an integer >= 1`);
  if (raw['name'] !== undefined && typeof raw['name'] !== 'string') fail('name', `${show(raw['name'])} must be text`);

  const calendar = raw['calendar'] === undefined ? ({ kind: '24x7' } as const) : parseCalendar(raw['calendar'], fail);
  const warningThresholds = parseThresholds(raw['warningThresholds'], fail);
  const targetSources: Record<string, string> = {};
  const targets = parseTargets(unmarked(raw['targets'], '', targetSources, fail), fail);
  const consultationAverage = raw['consultationAverage'];
  checkDuration('consultationAverage', consultationAverage, fail);
  const satisfactionTargets = parseSatisfaction(raw['satisfactionTargets'], fail);
  const escalations = parseEscalations(raw['escalations'], fail);
  const requireSignOffToClose = raw['requireSignOffToClose'];
  const arrivalFrom = raw['arrivalFrom'];
  if (arrivalFrom !== undefined && arrivalFrom !== 'dispatch' && arrivalFrom !== 'report') fail('arrivalFrom', `${show(arrivalFrom)} must be "dispatch" or "report"`);
  if (requireSignOffToClose !== undefined && typeof requireSignOffToClose !== 'boolean') fail('requireSignOffToClose', `${show(requireSignOffToClose)} must be true or false`);

  if (errors.length > before || !calendar) return undefined;
  return {
    id: id as string,
    version: version as number,
    ...(typeof raw['name'] === 'string' ? { name: raw['name'] } : {}),
    calendar,
    warningThresholds,
    targets: targets as SlaPolicy['targets'],
    consultationAverage: consultationAverage as string,
    satisfactionTargets: satisfactionTargets as SlaPolicy['satisfactionTargets'],
    escalations,
    ...(requireSignOffToClose === true ? { requireSignOffToClose: true } : {}),
    ...(arrivalFrom === 'report' ? { arrivalFrom: 'report' as const } : {}),
    ...(Object.keys(targetSources).length > 0 ? { targetSources } : {}),
  };
}

function parseEscalations(raw: unknown, fail: Fail): readonly EscalationRule[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    fail('escalations', 'must be a list of { metric, on: "breach", reason }');
    return [];
  }
  return raw.flatMap((rule, i) => {
    const where = `escalations[${i}]`;
    if (!isRecord(rule)) {
      fail(where, 'must be an object { metric, on: "breach", reason }');
      return [];
    }
    const { metric, on, reason } = rule;
    let ok = true;
    if (!(SLA_METRICS as readonly unknown[]).includes(metric)) {
      fail(`${where}.metric`, `${show(metric)} is not a metric (${SLA_METRICS.join(', ')})`);
      ok = false;
    }
    if (on !== 'breach') {
      fail(`${where}.on`, `${show(on)}: escalations are raised on "breach"`);
      ok = false;
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      fail(`${where}.reason`, 'needs a reason, as in "dispatch a senior engineer at once"');
      ok = false;
    }
    return ok ? [{ metric: metric as SlaMetric, on: 'breach' as const, reason: reason as string }] : [];
  });
}

type Fail = (field: string, problem: string) => void;

function parseThresholds(raw: unknown, fail: Fail): readonly number[] {
  if (raw === undefined) return DEFAULT_WARNING_THRESHOLDS;
  if (!Array.isArray(raw)) {
    fail('warningThresholds', `${show(raw)} must be a list of fractions such as [0.5, 0.75]`);
    return [];
  }
  raw.forEach((value: unknown, i) => {
    if (typeof value !== 'number' || !(value > 0 && value < 1)) {
      fail(`warningThresholds[${i}]`, `${show(value)} must be a number between 0 and 1 (both excluded)`);
    } else if (i > 0 && typeof raw[i - 1] === 'number' && value <= raw[i - 1]) {
      fail(`warningThresholds[${i}]`, `${value} must be greater than the threshold before it (${raw[i - 1]})`);
    }
  });
  return raw as number[];
}

const METRIC_KEYS: readonly string[] = SLA_METRICS;

function parseTargets(raw: unknown, fail: Fail): Record<string, SeverityTargets> | undefined {
  if (!isRecord(raw)) {
    fail('targets', `must be an object with the targets of ${SEVERITIES.join(' and ')}`);
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!(SEVERITIES as readonly string[]).includes(key)) fail(`targets.${key}`, `is not a severity (${SEVERITIES.join(', ')})`);
  }
  for (const severity of SEVERITIES) {
    const targets = raw[severity];
    const path = `targets.${severity}`;
    if (!isRecord(targets)) {
      fail(path, 'missing: every severity needs its targets (an empty object defines none)');
      continue;
    }
    for (const [metric, value] of Object.entries(targets)) {
      if (!METRIC_KEYS.includes(metric)) {
        fail(`${path}.${metric}`, `is not a metric (${SLA_METRICS.join(', ')})`);
      } else if (metric !== 'arrival') {
        checkDuration(`${path}.${metric}`, value, fail);
      } else if (!isRecord(value)) {
        fail(`${path}.arrival`, `must be an object with "urban" and "suburban" durations`);
      } else {
        for (const key of Object.keys(value)) {
          if (!(ZONES as readonly string[]).includes(key)) fail(`${path}.arrival.${key}`, `is not a zone (${ZONES.join(', ')})`);
        }
        for (const zone of ZONES) checkDuration(`${path}.arrival.${zone}`, value[zone], fail);
      }
    }
  }
  return raw as Record<string, SeverityTargets>;
}

/**
 * The targets with every `{ target, source }` replaced by its duration; each source noted in
 * `sources` by the target's path. Anything else is left for `parseTargets` to judge.
 */
function unmarked(raw: unknown, path: string, sources: Record<string, string>, fail: Fail): unknown {
  if (!isRecord(raw)) return raw;
  if ('target' in raw) {
    const { target, source, ...rest } = raw;
    for (const key of Object.keys(rest)) fail(`targets.${path}.${key}`, 'a marked target holds "target" and "source" only');
    if (typeof source !== 'string' || source.trim() === '') fail(`targets.${path}.source`, `${show(source)}: the clause of the agreement, or "deployment"`);
    else sources[path] = source;
    return target;
  }
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, unmarked(value, path === '' ? key : `${path}.${key}`, sources, fail)]));
}

function parseSatisfaction(raw: unknown, fail: Fail): unknown {
  if (!isRecord(raw)) {
    fail('satisfactionTargets', `must be an object with ${SATISFACTION_KINDS.join(', ')}`);
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!(SATISFACTION_KINDS as readonly string[]).includes(key)) {
      fail(`satisfactionTargets.${key}`, `is not a satisfaction kind (${SATISFACTION_KINDS.join(', ')})`);
    }
  }
  for (const kind of SATISFACTION_KINDS) {
    const value = raw[kind];
    if (value === undefined) fail(`satisfactionTargets.${kind}`, 'missing');
    else if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      fail(`satisfactionTargets.${kind}`, `${show(value)} must be a fraction from 0 to 1, such as 0.95`);
    }
  }
  return raw;
}

function checkDuration(field: string, value: unknown, fail: Fail): void {
  if (value === undefined) fail(field, 'missing');
  else if (parseIsoDuration(value) === undefined) fail(field, `${show(value)} is not an ISO 8601 duration such as PT30M`);
  else if (parseIsoDuration(value) === 0) fail(field, `${show(value)} must be longer than zero`);
}
