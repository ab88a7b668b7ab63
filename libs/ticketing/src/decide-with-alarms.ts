import { decide, type Decision } from './decide';
import type { HistoryEntry } from './sla/clock-timeline';
import { withdrawalsFor } from './sla/alarm-withdrawal';
import type { SlaPolicy } from './sla/sla-policy';
import type { TicketCommand } from './ticket-commands';
import { hasStandingAlarm, type TicketState } from './ticket-state';

/** What judging the ticket's alarms needs beyond its state: its history and its policy. */
export type AlarmContext = Readonly<{ history: ReadonlyArray<HistoryEntry>; policy: SlaPolicy | undefined }>;

/**
 * `decide`, and with an accepted fact the withdrawal of every alarm it makes untrue, in the same
 * decision (so in the same append): a fact dated before an alarm may show that the clock did not
 * cross what the alarm says it crossed. `context` is asked for only when an alarm stands; a
 * ticket whose policy is unknown keeps its alarms as they are. Pure.
 */
export function decideWithAlarms(command: TicketCommand, state: TicketState, now: string, context: () => AlarmContext): Decision {
  const decision = decide(command, state, now);
  if (!decision.ok || decision.events.length === 0 || state.status === 'none' || !hasStandingAlarm(state)) return decision;
  const { history, policy } = context();
  if (!policy) return decision;
  let revision = state.version;
  const after = [...history, ...decision.events.map((event) => ({ revision: ++revision, event }))];
  const withdrawals = withdrawalsFor(after, policy, decision.events[decision.events.length - 1]!, state.lastFactAt);
  return withdrawals.length === 0 ? decision : { ok: true, events: [...decision.events, ...withdrawals] };
}
