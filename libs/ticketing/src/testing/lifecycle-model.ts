import { MAX_CLOCK_SKEW_MS } from '../business-time';
import type { TicketEvent } from '../ticket-events';
import type { TicketStatus } from '../ticket-state';

/**
 * The lifecycle rules, checked on an accepted history by a deliberately naive model that shares
 * no code with `decide` or `evolve`. Throws on the first event that breaks a rule; otherwise
 * returns the status the history should leave the ticket in.
 */
export function statusByRules(events: readonly TicketEvent[], nowMs: number): TicketStatus {
  let kind = '';
  let severityNow = '';
  let acked = false;
  let restored = false;
  let reportFiled = false;
  let closed = false;
  let paused = false;
  let onsiteSent = false;
  const enRoute = new Map<string, string>();
  const rated = new Set<string>();
  let last = -Infinity;
  const rule = (ok: boolean, i: number, what: string) => {
    if (!ok) throw new Error(`event ${i} (${events[i]!.type}) breaks: ${what}`);
  };
  events.forEach((event, i) => {
    const at = Date.parse(event.data.at);
    rule(new Date(at).toISOString() === event.data.at, i, 'at is canonical ISO UTC');
    rule(at >= last, i, 'at never goes backwards');
    rule(at <= nowMs + MAX_CLOCK_SKEW_MS, i, 'at is not in the future');
    last = at;
    rule((i === 0) === (event.type === 'TicketReported'), i, 'the report comes first, once');
    switch (event.type) {
      case 'TicketReported':
        kind = event.data.kind;
        severityNow = event.data.severity;
        rule(
          ['fault', 'consultation'].includes(kind) || event.data.assetId !== undefined,
          i,
          'asset kinds name an asset',
        );
        break;
      case 'ResponseAcknowledged':
        rule(!acked, i, 'acknowledge once');
        acked = true;
        break;
      case 'EngineerDispatched':
        rule(acked && !restored, i, 'dispatch after acknowledgement, before restore');
        rule(!enRoute.has(event.data.engineerId), i, 'not dispatched while on the way');
        rule(event.data.escalation === (event.data.tier === 'senior' && onsiteSent), i, 'escalation flag');
        if (event.data.tier === 'onsite') onsiteSent = true;
        enRoute.set(event.data.engineerId, event.data.tier);
        break;
      case 'EngineerArrived':
        rule(acked && !restored, i, 'arrive after acknowledgement, before restore');
        rule(enRoute.get(event.data.engineerId) === event.data.tier, i, 'arrive only when dispatched');
        enRoute.delete(event.data.engineerId);
        break;
      case 'TicketPaused':
        rule(!restored && !paused, i, 'pause only an open, running ticket');
        paused = true;
        break;
      case 'TicketResumed':
        rule(paused, i, 'resume only a paused ticket');
        paused = false;
        break;
      case 'TicketReprioritized':
        rule(!restored, i, 'reprioritize only an open ticket');
        rule(event.data.from === severityNow && event.data.to !== severityNow, i, 'a real change of severity');
        severityNow = event.data.to;
        break;
      case 'Restored':
        rule(acked && !restored, i, 'restore once, after acknowledgement');
        rule(!paused, i, 'a paused ticket is resumed before it is restored');
        restored = true;
        enRoute.clear();
        break;
      case 'ReportFiled':
        rule(restored && !closed && !reportFiled, i, 'file once per restoration');
        reportFiled = true;
        break;
      case 'SatisfactionRated':
        rule(restored, i, 'rate after restore');
        rule(!rated.has(event.data.kind), i, 'rate once per kind');
        rule(Number.isInteger(event.data.score) && event.data.score >= 1 && event.data.score <= 5, i, 'score 1..5');
        rated.add(event.data.kind);
        break;
      case 'RevisitCompleted':
        rule(restored, i, 'revisit after restore');
        break;
      case 'TicketClosed':
        rule(restored && !closed && !paused, i, 'close once, restored and running');
        rule(kind === 'consultation' || reportFiled, i, 'a fault closes after its report');
        closed = true;
        break;
      case 'TicketReopened':
        rule(restored, i, 'reopen only a restored or closed ticket');
        restored = false;
        reportFiled = false;
        closed = false;
        break;
      case 'TicketAssigned':
        rule(!closed, i, 'a closed ticket is not assigned');
        break;
      case 'RepairOrderSignedOff':
        rule(restored && !closed, i, 'sign off a restored ticket');
        break;
      case 'SlaWarningReached':
      case 'SlaBreached':
      case 'EscalationRequired':
      case 'SlaAlarmWithdrawn':
        rule(false, i, 'no command raises engine events');
        break;
      default: {
        const _never: never = event;
        return _never;
      }
    }
  });
  if (events.length === 0) return 'none';
  return closed ? 'closed' : restored ? 'restored' : acked ? 'acknowledged' : 'reported';
}
