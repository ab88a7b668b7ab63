import { MAX_CLOCK_SKEW_MS, normalizeInstant, parseInstant, type IsoInstant } from './business-time';
import { validateCommand } from './command-validation';
import { ticketError, type TicketError, type TicketErrorCode } from './ticket-errors';
import { TICKET_COMMAND_TYPES, type ReportTicket, type TicketCommand } from './ticket-commands';
import type { TicketEvent, TicketReported, TicketResumed } from './ticket-events';
import { isOpen, outstandingDispatch, type Ticket, type TicketState } from './ticket-state';

export type Decision = { ok: true; events: TicketEvent[] } | { ok: false; error: TicketError };

/**
 * Decides what a command means for a ticket: the events to append, or why not. Pure: `now` is
 * the server's time as a value (ISO 8601), the default and the upper bound for `command.data.at`.
 *
 * Checks run in this order, so a request gets the most fundamental complaint first:
 * command type and `now` -> existence (TICKET_NOT_FOUND / TICKET_ALREADY_EXISTS) -> fields
 * (INVALID_INPUT) -> `at` parsable and not in the future (INVALID_INPUT / AT_IN_FUTURE) -> the
 * lifecycle rules (INVALID_TRANSITION) -> `at` not before the last fact (AT_BEFORE_LAST_EVENT).
 * Only facts bound `at`: an alarm the engine raised never blocks a fact entered late. Which of
 * the alarms such a fact makes untrue is `decideWithAlarms`'s part.
 */
export function decide(command: TicketCommand, state: TicketState, now: string): Decision {
  if (!(TICKET_COMMAND_TYPES as readonly string[]).includes(command?.type)) {
    return fail('INVALID_INPUT', `unknown command type ${String(command?.type)}`, 'type');
  }
  if (typeof command.data !== 'object' || command.data === null) {
    return fail('INVALID_INPUT', `${command.type} needs a data object`, 'data');
  }
  const nowMs = parseInstant(now);
  if (nowMs === undefined) return fail('INVALID_INPUT', `now must be an ISO 8601 instant, got ${String(now)}`, 'now');

  if (command.type === 'ReportTicket') {
    if (state.status !== 'none') {
      return fail('TICKET_ALREADY_EXISTS', `ticket ${state.ticketId} already exists (${state.status})`, 'ticketId');
    }
    const at = checkInput(command, nowMs);
    return typeof at === 'string' ? accept(reported(command, at)) : { ok: false, error: at };
  }
  if (state.status === 'none') {
    return fail('TICKET_NOT_FOUND', `cannot ${VERB[command.type]}: the ticket does not exist`);
  }
  const at = checkInput(command, nowMs);
  if (typeof at !== 'string') return { ok: false, error: at };

  const decision = decideOnTicket(command, state, at);
  if (decision.ok && at < state.lastFactAt) {
    return fail(
      'AT_BEFORE_LAST_EVENT',
      `at ${at} is earlier than the ticket's last fact (${state.lastFactAt}): history cannot run backwards`,
      'at',
    );
  }
  return decision;
}

function decideOnTicket(command: Exclude<TicketCommand, ReportTicket>, ticket: Ticket, at: IsoInstant): Decision {
  const refuse = (why: string): Decision =>
    fail('INVALID_TRANSITION', `cannot ${VERB[command.type]}: ${describe(ticket)}; ${why}`);

  switch (command.type) {
    case 'AcknowledgeResponse': {
      if (ticket.status !== 'reported') return refuse('a response is acknowledged once, after the report');
      const { by, note } = command.data;
      return accept({ type: 'ResponseAcknowledged', data: { by, ...(note === undefined ? {} : { note }), at } });
    }
    case 'DispatchEngineer': {
      const { engineerId, tier } = command.data;
      if (ticket.status !== 'acknowledged') {
        return refuse('engineers are dispatched after the response is acknowledged and before service is restored');
      }
      const pending = outstandingDispatch(ticket, engineerId);
      if (pending)
        return refuse(`engineer ${engineerId} was dispatched at ${pending.dispatchedAt} and has not arrived yet`);
      const escalation = tier === 'senior' && ticket.dispatches.some((d) => d.tier === 'onsite');
      return accept({ type: 'EngineerDispatched', data: { engineerId, tier, escalation, at } });
    }
    case 'RecordArrival': {
      const { engineerId } = command.data;
      if (ticket.status !== 'acknowledged') {
        return refuse('arrivals are recorded after the response is acknowledged and before service is restored');
      }
      const pending = outstandingDispatch(ticket, engineerId);
      if (!pending) return refuse(`engineer ${engineerId} has no dispatch waiting for an arrival`);
      return accept({ type: 'EngineerArrived', data: { engineerId, tier: pending.tier, at } });
    }
    case 'PauseTicket':
      if (!isOpen(ticket)) return refuse('only an open ticket (not restored or closed) can be paused');
      if (ticket.paused) return refuse('it is already paused');
      return accept({ type: 'TicketPaused', data: { reason: command.data.reason, at } });
    case 'ResumeTicket':
      if (!ticket.paused) return refuse('only a paused ticket can be resumed');
      return accept({ type: 'TicketResumed', data: { at } });
    case 'ReprioritizeTicket': {
      const { severity, reason } = command.data;
      if (!isOpen(ticket)) return refuse('only an open ticket (not restored or closed) can be reprioritized');
      if (severity === ticket.severity) return refuse(`its severity is already ${severity}`);
      return accept({ type: 'TicketReprioritized', data: { from: ticket.severity, to: severity, reason, at } });
    }
    case 'RestoreService': {
      if (ticket.status !== 'acknowledged') {
        return refuse('service is restored once, after the response is acknowledged');
      }
      const { by, resolution } = command.data;
      return accept(...resumeIfPaused(ticket, at), { type: 'Restored', data: { by, resolution, at } });
    }
    case 'FileReport': {
      if (ticket.status !== 'restored') return refuse('the incident report is filed after service is restored');
      if (ticket.reportFiledAt) return refuse(`the report for this restoration was filed at ${ticket.reportFiledAt}`);
      const { faultType, cause, method, loss, by } = command.data;
      return accept({ type: 'ReportFiled', data: { faultType, cause, method, loss, by, at } });
    }
    case 'RateSatisfaction': {
      const { kind, score, comment } = command.data;
      if (ticket.status !== 'restored' && ticket.status !== 'closed') {
        return refuse('satisfaction is rated after service is restored');
      }
      const earlier = ticket.ratings[kind];
      if (earlier) return refuse(`${kind} satisfaction was already rated at ${earlier.at} (once per kind)`);
      return accept({
        type: 'SatisfactionRated',
        data: { kind, score, ...(comment === undefined ? {} : { comment }), at },
      });
    }
    case 'CompleteRevisit': {
      if (ticket.status !== 'restored' && ticket.status !== 'closed') {
        return refuse('a revisit follows a restoration');
      }
      const { by, outcome } = command.data;
      return accept({ type: 'RevisitCompleted', data: { by, outcome, at } });
    }
    case 'CloseTicket': {
      if (ticket.status === 'closed') return refuse('it is closed once');
      if (ticket.status !== 'restored') return refuse('a ticket is closed after service is restored');
      if (ticket.kind !== 'consultation' && ticket.reportFiledAt === null) {
        return refuse(`a ${ticket.kind} ticket is closed after its incident report is filed`);
      }
      return accept(...resumeIfPaused(ticket, at), { type: 'TicketClosed', data: { by: command.data.by, at } });
    }
    case 'AssignTicket': {
      const { serviceUnitId, by, reason } = command.data;
      if (ticket.status === 'closed') return refuse('a closed ticket is not handed to another unit');
      if (ticket.serviceUnitId === serviceUnitId) return refuse(`it is already with unit ${serviceUnitId}`);
      const from = ticket.serviceUnitId === null ? {} : { fromUnitId: ticket.serviceUnitId };
      return accept({ type: 'TicketAssigned', data: { serviceUnitId, ...from, by, reason, at } });
    }
    case 'SignOffRepairOrder': {
      if (ticket.status !== 'restored') return refuse('the customer signs the repair order after service is restored and before the ticket is closed');
      if (ticket.signOff) return refuse(`the repair order was signed off at ${ticket.signOff.at}`);
      const { signedBy, signature, signatureSha256, signatureRef } = command.data;
      const image = signature === undefined ? { signatureSha256: signatureSha256!, signatureRef: signatureRef! } : { signature };
      return accept({ type: 'RepairOrderSignedOff', data: { signedBy, ...image, at } });
    }
    case 'ReopenTicket':
      if (ticket.status !== 'restored' && ticket.status !== 'closed') {
        return refuse('only a restored or closed ticket can be reopened');
      }
      return accept({ type: 'TicketReopened', data: { reason: command.data.reason, at } });
    default: {
      const _never: never = command;
      return _never;
    }
  }
}

function reported(command: ReportTicket, at: IsoInstant): TicketReported {
  const { ticketId, customerId, assetId, category, serviceUnitId, channel, kind, severity, zone, summary, policyId, policyVersion } =
    command.data;
  return {
    type: 'TicketReported',
    data: {
      ticketId,
      customerId,
      ...(assetId === undefined ? {} : { assetId }),
      ...(category === undefined ? {} : { category }),
      ...(serviceUnitId === undefined ? {} : { serviceUnitId }),
      channel,
      kind,
      severity,
      ...(zone === undefined ? {} : { zone }),
      summary,
      policyId,
      policyVersion,
      at,
    },
  };
}

/** A paused ticket's clocks restart before it is restored or closed, so SLA history stays whole. */
function resumeIfPaused(ticket: Ticket, at: IsoInstant): TicketResumed[] {
  return ticket.paused ? [{ type: 'TicketResumed', data: { at } }] : [];
}

/** The command's fields, then its business time: the canonical `at`, or what is wrong with the input. */
function checkInput(command: TicketCommand, nowMs: number): IsoInstant | TicketError {
  return validateCommand(command) ?? businessTime(command.data.at, nowMs);
}

function businessTime(at: unknown, nowMs: number): IsoInstant | TicketError {
  if (at === undefined) return new Date(nowMs).toISOString();
  const normalized = normalizeInstant(at);
  if (normalized === undefined) {
    return ticketError('INVALID_INPUT', `at must be an ISO 8601 date-time with an offset, got ${String(at)}`, 'at');
  }
  if (Date.parse(normalized) - nowMs > MAX_CLOCK_SKEW_MS) {
    return ticketError(
      'AT_IN_FUTURE',
      `at ${normalized} is in the future (now is ${new Date(nowMs).toISOString()}, ${MAX_CLOCK_SKEW_MS / 1000} s of skew allowed)`,
      'at',
    );
  }
  return normalized;
}

function describe(ticket: Ticket): string {
  const paused = ticket.paused ? ` and paused (${ticket.paused.reason} since ${ticket.paused.since})` : '';
  return `ticket ${ticket.ticketId} is ${ticket.status}${paused}`;
}

function accept(...events: TicketEvent[]): Decision {
  return { ok: true, events };
}

function fail(code: TicketErrorCode, message: string, field?: string): Decision {
  return { ok: false, error: ticketError(code, message, field) };
}

const VERB: Record<TicketCommand['type'], string> = {
  ReportTicket: 'report the ticket',
  AcknowledgeResponse: 'acknowledge the response',
  DispatchEngineer: 'dispatch an engineer',
  RecordArrival: 'record an arrival',
  PauseTicket: 'pause the ticket',
  ResumeTicket: 'resume the ticket',
  ReprioritizeTicket: 'reprioritize the ticket',
  RestoreService: 'restore service',
  FileReport: 'file the incident report',
  RateSatisfaction: 'rate satisfaction',
  CompleteRevisit: 'complete a revisit',
  CloseTicket: 'close the ticket',
  ReopenTicket: 'reopen the ticket',
  AssignTicket: 'assign the ticket',
  SignOffRepairOrder: 'record the sign-off',
};
