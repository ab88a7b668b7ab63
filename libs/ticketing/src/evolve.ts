import { CorruptTicketHistory } from './ticket-errors';
import { isFact, type SlaAlarmWithdrawn, type TicketEvent } from './ticket-events';
import type { Ticket, TicketState } from './ticket-state';

/**
 * Applies one event to the state. Events are facts: evolve records them and does not re-check
 * the rules (`decide` did that before they were written). It only refuses a stream that cannot
 * be a ticket's history at all, by throwing CorruptTicketHistory. It never mutates `state`.
 */
export function evolve(state: TicketState, event: TicketEvent): TicketState {
  if (state.status === 'none') {
    if (event.type !== 'TicketReported') {
      throw new CorruptTicketHistory(`${event.type} cannot open a ticket's history`, event.type, 0);
    }
    const { data } = event;
    return {
      status: 'reported',
      version: 0,
      ticketId: data.ticketId,
      customerId: data.customerId,
      assetId: data.assetId ?? null,
      category: data.category ?? null,
      channel: data.channel,
      kind: data.kind,
      severity: data.severity,
      zone: data.zone ?? null,
      summary: data.summary,
      policyId: data.policyId,
      policyVersion: data.policyVersion,
      reportedAt: data.at,
      serviceUnitId: data.serviceUnitId ?? null,
      assignments: [],
      signOff: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
      paused: null,
      dispatches: [],
      reprioritizations: [],
      restoredAt: null,
      restoredBy: null,
      resolution: null,
      reportFiledAt: null,
      report: null,
      closedAt: null,
      closedBy: null,
      ratings: { consultation: null, onsite: null, product: null },
      revisits: [],
      reopenCount: 0,
      lastEventAt: data.at,
      lastFactAt: data.at,
      slaWarnings: [],
      slaBreaches: [],
      escalations: [],
    };
  }
  const ticket: Ticket = {
    ...state,
    version: state.version + 1,
    // The latest, not the last: an alarm is dated at its due time, which may be before a fact
    // entered after it, and a late fact may be dated before an alarm.
    lastEventAt: event.data.at > state.lastEventAt ? event.data.at : state.lastEventAt,
    lastFactAt: isFact(event) && event.data.at > state.lastFactAt ? event.data.at : state.lastFactAt,
  };
  return apply(ticket, event);
}

function apply(ticket: Ticket, event: TicketEvent): Ticket {
  switch (event.type) {
    case 'TicketReported':
      throw new CorruptTicketHistory(`ticket ${ticket.ticketId} is reported a second time`, event.type, ticket.version);
    case 'ResponseAcknowledged':
      return { ...ticket, status: 'acknowledged', acknowledgedAt: event.data.at, acknowledgedBy: event.data.by };
    case 'EngineerDispatched': {
      const { engineerId, tier, escalation, at } = event.data;
      const dispatch = { engineerId, tier, escalation, dispatchedAt: at, arrivedAt: null, stoodDownAt: null };
      return { ...ticket, dispatches: [...ticket.dispatches, dispatch] };
    }
    case 'EngineerArrived': {
      const { engineerId, at } = event.data;
      const index = ticket.dispatches.findIndex(
        (d) => d.engineerId === engineerId && d.arrivedAt === null && d.stoodDownAt === null,
      );
      if (index < 0) return ticket;
      const dispatches = ticket.dispatches.map((d, i) => (i === index ? { ...d, arrivedAt: at } : d));
      return { ...ticket, dispatches };
    }
    case 'TicketPaused':
      return { ...ticket, paused: { reason: event.data.reason, since: event.data.at } };
    case 'TicketResumed':
      return { ...ticket, paused: null };
    case 'TicketReprioritized': {
      const { from, to, reason, at } = event.data;
      return { ...ticket, severity: to, reprioritizations: [...ticket.reprioritizations, { from, to, reason, at }] };
    }
    case 'Restored': {
      const { by, resolution, at } = event.data;
      const dispatches = ticket.dispatches.map((d) =>
        d.arrivedAt === null && d.stoodDownAt === null ? { ...d, stoodDownAt: at } : d,
      );
      return { ...ticket, status: 'restored', restoredAt: at, restoredBy: by, resolution, dispatches };
    }
    case 'ReportFiled': {
      const { faultType, cause, method, loss, by, at } = event.data;
      return { ...ticket, reportFiledAt: at, report: { faultType, cause, method, loss, by } };
    }
    case 'SatisfactionRated': {
      const { kind, score, comment, at } = event.data;
      return { ...ticket, ratings: { ...ticket.ratings, [kind]: { score, comment: comment ?? null, at } } };
    }
    case 'RevisitCompleted': {
      const { by, outcome, at } = event.data;
      return { ...ticket, revisits: [...ticket.revisits, { by, outcome, at }] };
    }
    case 'TicketClosed':
      return { ...ticket, status: 'closed', closedAt: event.data.at, closedBy: event.data.by };
    case 'TicketAssigned': {
      const { serviceUnitId, fromUnitId, by, reason, at } = event.data;
      return { ...ticket, serviceUnitId, assignments: [...ticket.assignments, { serviceUnitId, fromUnitId: fromUnitId ?? null, by, reason, at }] };
    }
    case 'RepairOrderSignedOff': {
      const { signedBy, signature, signatureSha256, signatureRef, at } = event.data;
      return { ...ticket, signOff: { signedBy, signature: signature ?? null, signatureSha256: signatureSha256 ?? null, signatureRef: signatureRef ?? null, at } };
    }
    case 'TicketReopened':
      return {
        ...ticket,
        signOff: null,
        status: 'acknowledged',
        restoredAt: null,
        restoredBy: null,
        resolution: null,
        reportFiledAt: null,
        report: null,
        closedAt: null,
        closedBy: null,
        reopenCount: ticket.reopenCount + 1,
      };
    case 'SlaWarningReached': {
      const { metric, threshold, dueAt, policyVersion, at } = event.data;
      const warning = { revision: ticket.version, withdrawn: null, metric, threshold, dueAt, policyVersion, at };
      return { ...ticket, slaWarnings: [...ticket.slaWarnings, warning] };
    }
    case 'SlaBreached': {
      const { metric, dueAt, policyVersion, at } = event.data;
      return { ...ticket, slaBreaches: [...ticket.slaBreaches, { revision: ticket.version, withdrawn: null, metric, dueAt, policyVersion, at }] };
    }
    case 'EscalationRequired': {
      const { metric, reason, at } = event.data;
      return { ...ticket, escalations: [...ticket.escalations, { revision: ticket.version, withdrawn: null, metric, reason, at }] };
    }
    case 'SlaAlarmWithdrawn':
      return withdraw(ticket, event);
    default: {
      const _never: never = event;
      const type = (_never as { type: unknown }).type;
      throw new CorruptTicketHistory(`unknown event type ${String(type)}`, String(type), ticket.version);
    }
  }
}

/**
 * Marks the alarm a withdrawal names. A withdrawal whose alarm is not in the state (a replay cut
 * by business time, where the alarm is dated after the cut and the withdrawal before) changes nothing.
 */
function withdraw(ticket: Ticket, { data }: SlaAlarmWithdrawn): Ticket {
  const withdrawn = { at: data.at, reason: data.reason, revision: ticket.version };
  const mark = <A extends { revision: number; withdrawn: unknown }>(alarms: readonly A[]): readonly A[] =>
    alarms.map((alarm) => (alarm.revision === data.alarmRevision && alarm.withdrawn === null ? { ...alarm, withdrawn } : alarm));
  switch (data.alarm) {
    case 'warning':
      return { ...ticket, slaWarnings: mark(ticket.slaWarnings) };
    case 'breach':
      return { ...ticket, slaBreaches: mark(ticket.slaBreaches) };
    case 'escalation':
      return { ...ticket, escalations: mark(ticket.escalations) };
    default: {
      const _never: never = data.alarm;
      return _never;
    }
  }
}
