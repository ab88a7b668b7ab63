import type { IsoInstant } from './business-time';
import type { Event } from './message';
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
 * The ticket's events (schema version 1). Every payload carries `at`: the business time at which
 * the thing happened, canonical ISO 8601 UTC. Optional fields are left out, never `undefined`.
 * Which fields are personal data (stored encrypted, erasable) is declared in `PERSONAL_FIELDS`.
 */
export type TicketReported = Event<
  'TicketReported',
  {
    ticketId: string;
    customerId: string;
    assetId?: string;
    category?: string;
    /** The service unit the ticket is reported to (the service network); absent for a ticket outside it. */
    serviceUnitId?: string;
    channel: Channel;
    kind: TicketKind;
    severity: Severity;
    zone?: Zone;
    summary: string;
    policyId: string;
    policyVersion: number;
    at: IsoInstant;
  }
>;

export type ResponseAcknowledged = Event<'ResponseAcknowledged', { by: string; note?: string; at: IsoInstant }>;

/** `escalation` is true when a senior engineer is sent after an on-site one was. */
export type EngineerDispatched = Event<
  'EngineerDispatched',
  { engineerId: string; tier: EngineerTier; escalation: boolean; at: IsoInstant }
>;

export type EngineerArrived = Event<'EngineerArrived', { engineerId: string; tier: EngineerTier; at: IsoInstant }>;

export type TicketPaused = Event<'TicketPaused', { reason: PauseReason; at: IsoInstant }>;

export type TicketResumed = Event<'TicketResumed', { at: IsoInstant }>;

export type TicketReprioritized = Event<
  'TicketReprioritized',
  { from: Severity; to: Severity; reason: string; at: IsoInstant }
>;

export type Restored = Event<'Restored', { by: string; resolution: string; at: IsoInstant }>;

/** The incident report: fault type, cause, method used, losses. */
export type ReportFiled = Event<
  'ReportFiled',
  { faultType: string; cause: string; method: string; loss: string; by: string; at: IsoInstant }
>;

export type SatisfactionRated = Event<
  'SatisfactionRated',
  { kind: SatisfactionKind; score: number; comment?: string; at: IsoInstant }
>;

export type RevisitCompleted = Event<'RevisitCompleted', { by: string; outcome: string; at: IsoInstant }>;

export type TicketClosed = Event<'TicketClosed', { by: string; at: IsoInstant }>;

export type TicketReopened = Event<'TicketReopened', { reason: string; at: IsoInstant }>;

/** Raised by the engine when a clock passes a warning threshold (a fraction of its target, 0..1). */
export type SlaWarningReached = Event<
  'SlaWarningReached',
  { metric: string; threshold: number; dueAt: IsoInstant; policyVersion: number; at: IsoInstant }
>;

/** Raised by the engine when a clock passes its due time. */
export type SlaBreached = Event<
  'SlaBreached',
  { metric: string; dueAt: IsoInstant; policyVersion: number; at: IsoInstant }
>;

/** Raised by the engine when a breach (or a rule) calls for someone above the desk to act. */
export type EscalationRequired = Event<'EscalationRequired', { metric: string; reason: string; at: IsoInstant }>;

/** Which kind of alarm a withdrawal takes back. */
export type AlarmKind = 'warning' | 'breach' | 'escalation';

/**
 * Recorded with a fact, dated before an alarm, that makes the alarm untrue (an acknowledgement
 * entered late, in time after all): the alarm at `alarmRevision` no longer stands. `at` is the
 * fact's business time. The alarm itself is never edited or deleted.
 */
export type SlaAlarmWithdrawn = Event<
  'SlaAlarmWithdrawn',
  { alarm: AlarmKind; metric: string; alarmRevision: number; reason: string; at: IsoInstant }
>;

/** The ticket handed to another unit (a manufacturer's repair order to a dealer, a hand-over); `fromUnitId` is absent when it had none. */
export type TicketAssigned = Event<'TicketAssigned', { serviceUnitId: string; fromUnitId?: string; by: string; reason: string; at: IsoInstant }>;

/**
 * The customer's signature on the repair order: the image itself (a PNG data URL, at most 32 KiB),
 * or its SHA-256 and where it is kept. `signedBy` and `signature` are the customer's personal data.
 */
export type RepairOrderSignedOff = Event<
  'RepairOrderSignedOff',
  { signedBy: string; signature?: string; signatureSha256?: string; signatureRef?: string; at: IsoInstant }
>;

export type TicketEvent =
  | TicketReported
  | ResponseAcknowledged
  | EngineerDispatched
  | EngineerArrived
  | TicketPaused
  | TicketResumed
  | TicketReprioritized
  | Restored
  | ReportFiled
  | SatisfactionRated
  | RevisitCompleted
  | TicketClosed
  | TicketReopened
  | TicketAssigned
  | RepairOrderSignedOff
  | SlaWarningReached
  | SlaBreached
  | EscalationRequired
  | SlaAlarmWithdrawn;

export type TicketEventType = TicketEvent['type'];

/** Events only the engine raises (no command produces them): its alarms. */
export type EngineRaisedTicketEvent = SlaWarningReached | SlaBreached | EscalationRequired;

/** What the engine derives from the facts: its alarms, and the withdrawals of alarms facts made untrue. */
export type DerivedTicketEvent = EngineRaisedTicketEvent | SlaAlarmWithdrawn;

/** What people and services report: every event a lifecycle command records. */
export type TicketFact = Exclude<TicketEvent, DerivedTicketEvent>;

export const DERIVED_TICKET_EVENT_TYPES = ['SlaWarningReached', 'SlaBreached', 'EscalationRequired', 'SlaAlarmWithdrawn'] as const satisfies readonly DerivedTicketEvent['type'][];

/**
 * A fact, as opposed to what the engine derived from facts. Only facts move the clocks and bound
 * the business time of the next fact; alarms never block a fact.
 */
export function isFact(event: TicketEvent): event is TicketFact {
  return !(DERIVED_TICKET_EVENT_TYPES as readonly string[]).includes(event.type);
}

export const TICKET_EVENT_TYPES = [
  'TicketReported',
  'ResponseAcknowledged',
  'EngineerDispatched',
  'EngineerArrived',
  'TicketPaused',
  'TicketResumed',
  'TicketReprioritized',
  'Restored',
  'ReportFiled',
  'SatisfactionRated',
  'RevisitCompleted',
  'TicketClosed',
  'TicketReopened',
  'TicketAssigned',
  'RepairOrderSignedOff',
  'SlaWarningReached',
  'SlaBreached',
  'EscalationRequired',
  'SlaAlarmWithdrawn',
] as const satisfies readonly TicketEventType[];

// Compile-time check that the list above names every member of the union, not just some.
type MissingFromList = Exclude<TicketEventType, (typeof TICKET_EVENT_TYPES)[number]>;
const _everyTypeListed: MissingFromList extends never ? true : MissingFromList = true;
void _everyTypeListed;

export function isTicketEventType(type: unknown): type is TicketEventType {
  return typeof type === 'string' && (TICKET_EVENT_TYPES as readonly string[]).includes(type);
}
