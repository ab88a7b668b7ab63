import type { IsoInstant } from '../business-time';
import type { EscalationRequired, SlaBreached, SlaWarningReached } from '../ticket-events';
import { evaluateClocks, type SlaClock } from './clocks';
import type { HistoryEntry } from './clock-timeline';
import { parseIsoDuration } from './iso-duration';
import type { SlaPolicy } from './sla-policy';

export type SlaAlarm = SlaWarningReached | SlaBreached | EscalationRequired;

/**
 * The same policy with every target multiplied by `fraction`: the due time of a clock under it
 * is the moment the clock used that fraction of its real target, with pauses, calendar and
 * re-targeting taken into account exactly as for the real due time.
 */
export function scaledPolicy(policy: SlaPolicy, fraction: number): SlaPolicy {
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
 * The engine-raised events a ticket is owed at `now` and does not have yet: each warning
 * threshold crossed and each breach, dated at the moment it happened (business time, so a
 * business-hours policy warns in working time), in time order, with the escalations the policy
 * asks for on a breach. A warning is raised once per metric and threshold, a breach once per
 * metric, for the ticket's life. Pure: the deadline follower appends what this returns.
 */
export function dueSlaAlarms(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, now: IsoInstant): SlaAlarm[] {
  const raised = new Set<string>();
  for (const { event } of history) {
    if (event.type === 'SlaWarningReached') raised.add(`warning:${event.data.metric}:${event.data.threshold}`);
    if (event.type === 'SlaBreached') raised.add(`breach:${event.data.metric}`);
    if (event.type === 'EscalationRequired') raised.add(`escalation:${event.data.metric}`);
  }
  const alarms: SlaAlarm[] = [];
  for (const clock of evaluateClocks(history, policy, now)) {
    for (const threshold of policy.warningThresholds) {
      if (raised.has(`warning:${clock.metric}:${threshold}`)) continue;
      const crossing = crossedAt(history, scaledPolicy(policy, threshold), clock.metric, now);
      if (crossing) alarms.push({ type: 'SlaWarningReached', data: { metric: clock.metric, threshold, dueAt: clock.dueAt, policyVersion: policy.version, at: crossing } });
    }
    if (clock.state === 'breached' && !raised.has(`breach:${clock.metric}`)) {
      alarms.push({ type: 'SlaBreached', data: { metric: clock.metric, dueAt: clock.dueAt, policyVersion: policy.version, at: clock.dueAt } });
      for (const rule of policy.escalations ?? []) {
        if (rule.metric === clock.metric && !raised.has(`escalation:${clock.metric}`)) {
          alarms.push({ type: 'EscalationRequired', data: { metric: clock.metric, reason: rule.reason, at: clock.dueAt } });
        }
      }
    }
  }
  // Time order; at the same instant a warning comes before a breach, a breach before its escalation.
  const rank = { SlaWarningReached: 0, SlaBreached: 1, EscalationRequired: 2 } as const;
  return alarms.sort((a, b) => (a.data.at < b.data.at ? -1 : a.data.at > b.data.at ? 1 : rank[a.type] - rank[b.type]));
}

/**
 * The next instant after `now` at which `dueSlaAlarms` will have something new: the earliest
 * uncrossed threshold or due time of a running clock. Undefined while nothing is pending (all
 * clocks stopped, paused or already alarmed): a later event changes that, not the passing of time.
 */
export function nextSlaAlarmAt(history: ReadonlyArray<HistoryEntry>, policy: SlaPolicy, now: IsoInstant): IsoInstant | undefined {
  const alarmed = new Set(dueSlaAlarms(history, policy, now).map((a) => `${a.type}:${a.data.metric}:${'threshold' in a.data ? a.data.threshold : ''}`));
  const raised = new Set<string>();
  for (const { event } of history) {
    if (event.type === 'SlaWarningReached') raised.add(`SlaWarningReached:${event.data.metric}:${event.data.threshold}`);
    if (event.type === 'SlaBreached') raised.add(`SlaBreached:${event.data.metric}:`);
  }
  let next: IsoInstant | undefined;
  const consider = (at: IsoInstant) => {
    if (at > now && (next === undefined || at < next)) next = at;
  };
  for (const clock of evaluateClocks(history, policy, now).filter(runningNow)) {
    for (const threshold of policy.warningThresholds) {
      const key = `SlaWarningReached:${clock.metric}:${threshold}`;
      if (raised.has(key) || alarmed.has(key)) continue;
      const scaled = evaluateClocks(history, scaledPolicy(policy, threshold), now).find((c) => c.metric === clock.metric);
      if (scaled) consider(scaled.dueAt);
    }
    if (!raised.has(`SlaBreached:${clock.metric}:`)) consider(clock.dueAt);
  }
  return next;
}

function runningNow(clock: SlaClock): boolean {
  return clock.stoppedAt === null && clock.state !== 'paused';
}

/** When the clock of `metric` used the (scaled) target, if it has by `now`; its real state decides nothing here. */
function crossedAt(history: ReadonlyArray<HistoryEntry>, scaled: SlaPolicy, metric: string, now: IsoInstant): IsoInstant | undefined {
  const clock = evaluateClocks(history, scaled, now).find((c) => c.metric === metric);
  return clock?.state === 'breached' ? clock.dueAt : undefined;
}
