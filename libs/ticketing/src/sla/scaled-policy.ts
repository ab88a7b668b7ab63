import { parseIsoDuration } from './iso-duration';
import type { SlaPolicy } from './sla-policy';

/**
 * The same policy with every target multiplied by `fraction`: the due time of a clock under it
 * is the moment the clock used that fraction of its real target, with pauses, calendar and
 * re-targeting taken into account exactly as for the real due time.
 */
export function scaledPolicy(policy: SlaPolicy, fraction: number): SlaPolicy {
  if (fraction === 1) return policy;
  const scale = (duration: string | undefined) => {
    const ms = parseIsoDuration(duration);
    return ms === undefined ? undefined : `PT${(Math.max(1, Math.round(ms * fraction)) / 1000).toFixed(3)}S`;
  };
  const targets = Object.fromEntries(
    Object.entries(policy.targets).map(([severity, t]) => [
      severity,
      Object.fromEntries(
        Object.entries(t).map(([metric, target]) => [
          metric,
          typeof target === 'string' ? scale(target) : { urban: scale(target.urban), suburban: scale(target.suburban) },
        ]),
      ),
    ]),
  );
  return { ...policy, targets: targets as SlaPolicy['targets'] };
}

/**
 * `scaledPolicy`, made once per policy object and fraction: policies are immutable values, and a
 * projection asks for the same few scaled policies for every ticket it evaluates.
 */
const scaledPolicies = new WeakMap<SlaPolicy, Map<number, SlaPolicy>>();
export function scaledOnce(policy: SlaPolicy, fraction: number): SlaPolicy {
  let byFraction = scaledPolicies.get(policy);
  if (!byFraction) scaledPolicies.set(policy, (byFraction = new Map()));
  let scaled = byFraction.get(fraction);
  if (!scaled) byFraction.set(fraction, (scaled = scaledPolicy(policy, fraction)));
  return scaled;
}

