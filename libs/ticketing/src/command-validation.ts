import { ticketError, type TicketError } from './ticket-errors';
import type { TicketCommand } from './ticket-commands';
import {
  CHANNELS,
  ENGINEER_TIERS,
  MAX_SATISFACTION_SCORE,
  MIN_SATISFACTION_SCORE,
  PAUSE_REASONS,
  SATISFACTION_KINDS,
  SEVERITIES,
  TICKET_KINDS,
  ZONES,
  isAssetTicketKind,
  isOneOf,
} from './ticket-vocabulary';

/**
 * Checks a command's fields (not its `at`, which business-time rules handle). The types already
 * say what is allowed, but commands arrive from HTTP and queues: the domain does not trust
 * that every caller validated. Returns the first problem found, or undefined.
 */
export function validateCommand(command: TicketCommand): TicketError | undefined {
  switch (command.type) {
    case 'ReportTicket': {
      const d = command.data;
      return (
        text(d.ticketId, 'ticketId') ??
        text(d.customerId, 'customerId') ??
        optionalText(d.assetId, 'assetId') ??
        optionalText(d.category, 'category') ??
        optionalText(d.serviceUnitId, 'serviceUnitId') ??
        oneOf(CHANNELS, d.channel, 'channel') ??
        oneOf(TICKET_KINDS, d.kind, 'kind') ??
        oneOf(SEVERITIES, d.severity, 'severity') ??
        (d.zone === undefined ? undefined : oneOf(ZONES, d.zone, 'zone')) ??
        text(d.summary, 'summary') ??
        text(d.policyId, 'policyId') ??
        positiveInteger(d.policyVersion, 'policyVersion') ??
        (isAssetTicketKind(d.kind) && d.assetId === undefined
          ? invalid('assetId', `a ${d.kind} ticket concerns an asset: assetId is required`)
          : undefined)
      );
    }
    case 'AcknowledgeResponse':
      return text(command.data.by, 'by') ?? optionalText(command.data.note, 'note');
    case 'DispatchEngineer':
      return text(command.data.engineerId, 'engineerId') ?? oneOf(ENGINEER_TIERS, command.data.tier, 'tier');
    case 'RecordArrival':
      return text(command.data.engineerId, 'engineerId');
    case 'PauseTicket':
      return oneOf(PAUSE_REASONS, command.data.reason, 'reason');
    case 'ResumeTicket':
      return undefined;
    case 'ReprioritizeTicket':
      return oneOf(SEVERITIES, command.data.severity, 'severity') ?? text(command.data.reason, 'reason');
    case 'RestoreService':
      return text(command.data.by, 'by') ?? text(command.data.resolution, 'resolution');
    case 'FileReport': {
      const d = command.data;
      return (
        text(d.faultType, 'faultType') ??
        text(d.cause, 'cause') ??
        text(d.method, 'method') ??
        text(d.loss, 'loss') ??
        text(d.by, 'by')
      );
    }
    case 'RateSatisfaction':
      return (
        oneOf(SATISFACTION_KINDS, command.data.kind, 'kind') ??
        score(command.data.score, 'score') ??
        optionalText(command.data.comment, 'comment')
      );
    case 'CompleteRevisit':
      return text(command.data.by, 'by') ?? text(command.data.outcome, 'outcome');
    case 'CloseTicket':
      return text(command.data.by, 'by');
    case 'ReopenTicket':
      return text(command.data.reason, 'reason');
    case 'AssignTicket':
      return text(command.data.serviceUnitId, 'serviceUnitId') ?? text(command.data.by, 'by') ?? text(command.data.reason, 'reason');
    case 'SignOffRepairOrder':
      return text(command.data.signedBy, 'signedBy') ?? signature(command.data);
    default: {
      const _never: never = command;
      return invalid('type', `unknown command type ${String((_never as { type: unknown }).type)}`);
    }
  }
}

function invalid(field: string, message: string): TicketError {
  return ticketError('INVALID_INPUT', message, field);
}

function text(value: unknown, field: string): TicketError | undefined {
  return typeof value === 'string' && value.trim() !== ''
    ? undefined
    : invalid(field, `${field} must be a non-empty string`);
}

function optionalText(value: unknown, field: string): TicketError | undefined {
  return value === undefined ? undefined : text(value, field);
}

function oneOf(values: readonly string[], value: unknown, field: string): TicketError | undefined {
  return isOneOf(values, value) ? undefined : invalid(field, `${field} must be one of ${values.join(', ')}`);
}

function positiveInteger(value: unknown, field: string): TicketError | undefined {
  return Number.isInteger(value) && (value as number) >= 1
    ? undefined
    : invalid(field, `${field} must be a positive integer`);
}

function score(value: unknown, field: string): TicketError | undefined {
  return Number.isInteger(value) &&
    (value as number) >= MIN_SATISFACTION_SCORE &&
    (value as number) <= MAX_SATISFACTION_SCORE
    ? undefined
    : invalid(field, `${field} must be an integer from ${MIN_SATISFACTION_SCORE} to ${MAX_SATISFACTION_SCORE}`);
}

/** The largest signature image kept in the event: a PNG data URL of at most 32 KiB. */
export const MAX_SIGNATURE_BYTES = 32 * 1024;
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** A signature is the image itself, or its SHA-256 and where it is kept: one of the two, never both. */
function signature(d: { signature?: unknown; signatureSha256?: unknown; signatureRef?: unknown }): TicketError | undefined {
  if (d.signature !== undefined) {
    if (d.signatureSha256 !== undefined || d.signatureRef !== undefined) {
      return invalid('signature', 'send the signature image or its signatureSha256 and signatureRef, not both');
    }
    if (typeof d.signature !== 'string' || !PNG_DATA_URL.test(d.signature)) return invalid('signature', 'signature must be a PNG data URL (data:image/png;base64,...)');
    if (d.signature.length > MAX_SIGNATURE_BYTES) return invalid('signature', `signature is ${d.signature.length} bytes, more than ${MAX_SIGNATURE_BYTES} (32 KiB); send signatureSha256 and signatureRef instead`);
    return undefined;
  }
  if (typeof d.signatureSha256 !== 'string' || !SHA256.test(d.signatureSha256)) {
    return invalid('signatureSha256', 'a sign-off needs the signature (a PNG data URL) or its signatureSha256 (64 lowercase hex digits) and signatureRef');
  }
  return text(d.signatureRef, 'signatureRef');
}
