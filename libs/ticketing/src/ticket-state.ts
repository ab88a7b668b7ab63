import type { IsoInstant } from './business-time';
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
 * A ticket as its events leave it: what the rules need and what a service desk shows.
 * Plain JSON (absent values are `null`, never `undefined`), so it can be returned over HTTP and
 * compared after a round trip.
 */
export type TicketStatus = 'none' | 'reported' | 'acknowledged' | 'restored' | 'closed';

/** A ticket that has been reported and is not yet restored: pause, resume and reprioritize apply. */
export const OPEN_STATUSES = ['reported', 'acknowledged'] as const;

export type NoTicket = Readonly<{
  status: 'none';
  /** The stream revision: -1 before any event. */
  version: -1;
}>;

export type Dispatch = Readonly<{
  engineerId: string;
  tier: EngineerTier;
  escalation: boolean;
  dispatchedAt: IsoInstant;
  arrivedAt: IsoInstant | null;
  /** Set when service was restored before the engineer arrived: nobody is expected any more. */
  stoodDownAt: IsoInstant | null;
}>;

export type Pause = Readonly<{ reason: PauseReason; since: IsoInstant }>;

export type Reprioritization = Readonly<{ from: Severity; to: Severity; reason: string; at: IsoInstant }>;

export type IncidentReport = Readonly<{ faultType: string; cause: string; method: string; loss: string; by: string }>;

export type Rating = Readonly<{ score: number; comment: string | null; at: IsoInstant }>;

export type Revisit = Readonly<{ by: string; outcome: string; at: IsoInstant }>;

/** How a late fact took an alarm back: its business time, why, and the revision that recorded it. */
export type AlarmWithdrawal = Readonly<{ at: IsoInstant; reason: string; revision: number }>;

/** What every alarm keeps: the revision that raised it, and its withdrawal while it has one. */
type Alarm = Readonly<{ revision: number; withdrawn: AlarmWithdrawal | null }>;

export type SlaWarning = Alarm &
  Readonly<{
    metric: string;
    threshold: number;
    dueAt: IsoInstant;
    policyVersion: number;
    at: IsoInstant;
  }>;

export type SlaBreach = Alarm & Readonly<{ metric: string; dueAt: IsoInstant; policyVersion: number; at: IsoInstant }>;

export type EscalationRequest = Alarm & Readonly<{ metric: string; reason: string; at: IsoInstant }>;

export type Assignment = Readonly<{ serviceUnitId: string; fromUnitId: string | null; by: string; reason: string; at: IsoInstant }>;

export type SignOff = Readonly<{ signedBy: string; signature: string | null; signatureSha256: string | null; signatureRef: string | null; at: IsoInstant }>;

export type Ticket = Readonly<{
  status: Exclude<TicketStatus, 'none'>;
  /** The stream revision of the last event applied (number of events - 1). */
  version: number;

  ticketId: string;
  customerId: string;
  assetId: string | null;
  category: string | null;
  channel: Channel;
  kind: TicketKind;
  /** The current severity; `reprioritizations` keeps how it got there. */
  severity: Severity;
  zone: Zone | null;
  summary: string;
  policyId: string;
  policyVersion: number;
  reportedAt: IsoInstant;
  /** The unit the ticket is with now: the one reported to, or the latest assignment's. */
  serviceUnitId: string | null;
  assignments: readonly Assignment[];
  /** The customer's sign-off of the current repair order; cleared by a reopen (a new repair is signed again). */
  signOff: SignOff | null;

  acknowledgedAt: IsoInstant | null;
  acknowledgedBy: string | null;
  /** The current pause, or null when the ticket's clocks run. */
  paused: Pause | null;
  dispatches: readonly Dispatch[];
  reprioritizations: readonly Reprioritization[];

  /** The current restoration; cleared by a reopen (the history keeps earlier ones). */
  restoredAt: IsoInstant | null;
  restoredBy: string | null;
  resolution: string | null;
  /** The incident report of the current restoration. */
  reportFiledAt: IsoInstant | null;
  report: IncidentReport | null;
  closedAt: IsoInstant | null;
  closedBy: string | null;

  /** One rating per kind for the ticket's whole life; reopening does not clear them. */
  ratings: Readonly<Record<SatisfactionKind, Rating | null>>;
  revisits: readonly Revisit[];
  reopenCount: number;
  /** The latest business time in the history, alarms included. */
  lastEventAt: IsoInstant;
  /** The latest business time of a fact: no new fact may be dated before it (alarms never block one). */
  lastFactAt: IsoInstant;

  /** Every alarm raised, in the order raised; a withdrawn one keeps its place and says so. */
  slaWarnings: readonly SlaWarning[];
  slaBreaches: readonly SlaBreach[];
  escalations: readonly EscalationRequest[];
}>;

export type TicketState = NoTicket | Ticket;

export function initialState(): TicketState {
  return { status: 'none', version: -1 };
}

export function isOpen(ticket: Ticket): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(ticket.status);
}

/** The dispatch of this engineer that is still waiting for an arrival, if any. */
export function outstandingDispatch(ticket: Ticket, engineerId: string): Dispatch | undefined {
  return ticket.dispatches.find(
    (dispatch) => dispatch.engineerId === engineerId && dispatch.arrivedAt === null && dispatch.stoodDownAt === null,
  );
}

/** Whether any alarm of the ticket stands (raised and not withdrawn): only then can a fact falsify one. */
export function hasStandingAlarm(ticket: Ticket): boolean {
  const standing = (alarm: { withdrawn: AlarmWithdrawal | null }) => alarm.withdrawn === null;
  return ticket.slaWarnings.some(standing) || ticket.slaBreaches.some(standing) || ticket.escalations.some(standing);
}
