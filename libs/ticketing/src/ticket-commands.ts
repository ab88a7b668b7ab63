import type { Command } from './message';
import type {
  Channel,
  EngineerTier,
  PauseReason,
  SatisfactionKind,
  Severity,
  TicketKind,
  Zone,
} from './ticket-vocabulary';

/**
 * What callers ask of a ticket. Every command may carry `at`, the business time at which the
 * thing happened (any ISO 8601 date-time with an offset); `decide` uses `at ?? now`.
 */
type At = { at?: string };

/** `policyId` and `policyVersion` are resolved by the caller; the domain records them. */
export type ReportTicket = Command<
  'ReportTicket',
  At & {
    ticketId: string;
    customerId: string;
    assetId?: string;
    category?: string;
    /** Checked by the caller: a registered service unit. */
    serviceUnitId?: string;
    channel: Channel;
    kind: TicketKind;
    severity: Severity;
    zone?: Zone;
    summary: string;
    policyId: string;
    policyVersion: number;
  }
>;

export type AcknowledgeResponse = Command<'AcknowledgeResponse', At & { by: string; note?: string }>;
export type DispatchEngineer = Command<'DispatchEngineer', At & { engineerId: string; tier: EngineerTier }>;
export type RecordArrival = Command<'RecordArrival', At & { engineerId: string }>;
export type PauseTicket = Command<'PauseTicket', At & { reason: PauseReason }>;
export type ResumeTicket = Command<'ResumeTicket', At>;
export type ReprioritizeTicket = Command<'ReprioritizeTicket', At & { severity: Severity; reason: string }>;
export type RestoreService = Command<'RestoreService', At & { by: string; resolution: string }>;
export type FileReport = Command<
  'FileReport',
  At & { faultType: string; cause: string; method: string; loss: string; by: string }
>;
export type RateSatisfaction = Command<
  'RateSatisfaction',
  At & { kind: SatisfactionKind; score: number; comment?: string }
>;
export type CompleteRevisit = Command<'CompleteRevisit', At & { by: string; outcome: string }>;
export type CloseTicket = Command<'CloseTicket', At & { by: string }>;
export type ReopenTicket = Command<'ReopenTicket', At & { reason: string }>;

/** `serviceUnitId` is checked by the caller: a registered service unit. */
export type AssignTicket = Command<'AssignTicket', At & { serviceUnitId: string; by: string; reason: string }>;
export type SignOffRepairOrder = Command<
  'SignOffRepairOrder',
  At & { signedBy: string; signature?: string; signatureSha256?: string; signatureRef?: string }
>;

export type TicketCommand =
  | ReportTicket
  | AcknowledgeResponse
  | DispatchEngineer
  | RecordArrival
  | PauseTicket
  | ResumeTicket
  | ReprioritizeTicket
  | RestoreService
  | FileReport
  | RateSatisfaction
  | CompleteRevisit
  | CloseTicket
  | ReopenTicket
  | AssignTicket
  | SignOffRepairOrder;

export type TicketCommandType = TicketCommand['type'];

export const TICKET_COMMAND_TYPES = [
  'ReportTicket',
  'AcknowledgeResponse',
  'DispatchEngineer',
  'RecordArrival',
  'PauseTicket',
  'ResumeTicket',
  'ReprioritizeTicket',
  'RestoreService',
  'FileReport',
  'RateSatisfaction',
  'CompleteRevisit',
  'CloseTicket',
  'ReopenTicket',
  'AssignTicket',
  'SignOffRepairOrder',
] as const satisfies readonly TicketCommandType[];

type MissingFromList = Exclude<TicketCommandType, (typeof TICKET_COMMAND_TYPES)[number]>;
const _everyTypeListed: MissingFromList extends never ? true : MissingFromList = true;
void _everyTypeListed;
