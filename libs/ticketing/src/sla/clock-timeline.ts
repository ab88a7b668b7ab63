import { parseInstant, type IsoInstant } from '../business-time';
import { isFact, type TicketEvent, type TicketEventType } from '../ticket-events';
import type { Severity, TicketKind, Zone } from '../ticket-vocabulary';
import type { SlaMetric } from './sla-policy';

/** An event that moved a clock, as the ticket view shows it. */
export type SlaEventRef = Readonly<{ revision: number; type: TicketEventType; at: IsoInstant }>;

export type HistoryEntry = Readonly<{ revision: number; event: TicketEvent }>;

/** A stretch of real time, in UTC ms; `to` is null while it lasts. */
export type Span = Readonly<{ from: number; to: number | null }>;

/**
 * What the history did to one clock, before any policy is applied: when it ran, when it was
 * held, and which events did it. The policy (target, calendar) is applied by evaluateClock.
 */
export type ClockTrack = Readonly<{
  metric: SlaMetric;
  /** The engineer whose arrival stops an arrival clock. */
  engineerId: string | null;
  started: SlaEventRef;
  running: readonly Span[];
  /** Pauses, and the time between a restore and a reopen. */
  held: readonly Span[];
  /** `running`: whether it ran up to the stop (rather than being held). */
  stopped: Readonly<{ ref: SlaEventRef; ms: number; severity: Severity; running: boolean }> | null;
  paused: readonly SlaEventRef[];
  resumed: readonly SlaEventRef[];
  retargeted: readonly SlaEventRef[];
}>;

export type ClockTimeline = Readonly<{
  kind: TicketKind;
  /** The current severity. */
  severity: Severity;
  zone: Zone | null;
  tracks: readonly ClockTrack[];
  /** The latest business time in the history (the clocks' "now" is never earlier). */
  lastMs: number;
}>;

type Tracks = Partial<Record<SlaMetric, ClockTrack>>;

/**
 * Folds a ticket's history into its clock tracks. Time is the facts' `at`; what the engine
 * derived (warnings, breaches, escalations and their withdrawals) is an output of the clocks and
 * never moves them, nor the clocks' "now". Returns null for an empty history.
 */
/**
 * What a policy says of the clocks' starts: `arrivalFrom: 'report'` starts the arrival clock at
 * the report (the call, as the dealer agreement counts) instead of at the first dispatch; the
 * first engineer dispatched is then the one whose arrival stops it.
 */
export type TimelineOptions = Readonly<{ arrivalFrom?: 'dispatch' | 'report' }>;

export function clockTimeline(history: ReadonlyArray<HistoryEntry>, options: TimelineOptions = {}): ClockTimeline | null {
  const ordered = [...history].sort((a, b) => a.revision - b.revision);
  const first = ordered[0]?.event;
  if (!first || first.type !== 'TicketReported') return null;
  let severity: Severity = first.data.severity;
  let pause: SlaEventRef | null = null;
  let lastMs = -Infinity;
  let tracks: Tracks = {};

  for (const { revision, event } of ordered) {
    if (!isFact(event)) continue;
    // Facts never run backwards (decide refuses it); a history that does anyway is read at the
    // latest time so far, so no span ever has a negative length.
    const ms = Math.max(parseInstant(event.data.at) ?? lastMs, lastMs);
    lastMs = ms;
    const ref: SlaEventRef = { revision, type: event.type, at: event.data.at };
    const start = (metric: SlaMetric, engineerId: string | null = null): ClockTrack => ({
      metric,
      engineerId,
      started: ref,
      running: pause ? [] : [{ from: ms, to: null }],
      held: pause ? [{ from: ms, to: null }] : [],
      stopped: null,
      paused: pause ? [pause] : [],
      resumed: [],
      retargeted: [],
    });
    const update = (metrics: readonly SlaMetric[], change: (track: ClockTrack) => ClockTrack): void => {
      const next: Tracks = { ...tracks };
      for (const metric of metrics) {
        const track = next[metric];
        if (track) next[metric] = change(track);
      }
      tracks = next;
    };
    const all = Object.keys(tracks) as SlaMetric[];

    switch (event.type) {
      case 'TicketReported':
        tracks = { response: start('response'), onsiteResolution: start('onsiteResolution'), restoration: start('restoration') };
        if (options.arrivalFrom === 'report') tracks = { ...tracks, arrival: start('arrival') };
        break;
      case 'ResponseAcknowledged':
        update(['response'], (track) => stop(track, ref, ms, severity));
        break;
      case 'EngineerDispatched': {
        const { engineerId, tier } = event.data;
        if (!tracks.arrival) tracks = { ...tracks, arrival: start('arrival', engineerId) };
        else if (tracks.arrival.engineerId === null) tracks = { ...tracks, arrival: { ...tracks.arrival, engineerId } };
        if (tier === 'senior' && !tracks.seniorArrival) tracks = { ...tracks, seniorArrival: start('seniorArrival', engineerId) };
        break;
      }
      case 'EngineerArrived': {
        const { engineerId, tier } = event.data;
        update(['arrival', 'seniorArrival'], (track) =>
          track.engineerId === engineerId && (track.metric === 'arrival' || tier === 'senior')
            ? stop(track, ref, ms, severity)
            : track,
        );
        break;
      }
      case 'TicketPaused':
        pause = ref;
        update(all, (track) => hold(track, ref, ms));
        break;
      case 'TicketResumed':
        pause = null;
        update(all, (track) => run(track, ref, ms));
        break;
      case 'TicketReprioritized':
        severity = event.data.to;
        update(all, (track) => (track.stopped ? track : { ...track, retargeted: [...track.retargeted, ref] }));
        break;
      case 'Restored':
        // Engineers still on the way are stood down: their arrival clocks stop with the restore.
        // An arrival clock started at the report with nobody ever sent (fixed remotely) measures nothing.
        if (tracks.arrival?.engineerId === null) {
          const { arrival: _unsent, ...others } = tracks;
          tracks = others;
        }
        update(['onsiteResolution', 'restoration', 'arrival', 'seniorArrival'], (track) => stop(track, ref, ms, severity));
        tracks = { ...tracks, report: start('report') };
        break;
      case 'ReportFiled':
        update(['report'], (track) => stop(track, ref, ms, severity));
        break;
      case 'TicketReopened': {
        update(['onsiteResolution', 'restoration'], (track) => reopen(track, ref, ms));
        const { report: _dropped, ...rest } = tracks;
        tracks = rest;
        break;
      }
      case 'TicketClosed':
      case 'SatisfactionRated':
      case 'RevisitCompleted':
      case 'TicketAssigned':
      case 'RepairOrderSignedOff':
        break;
      default: {
        const _never: never = event;
        void _never;
      }
    }
  }
  return { kind: first.data.kind, severity, zone: first.data.zone ?? null, tracks: Object.values(tracks), lastMs };
}

function closeOpen(spans: readonly Span[], ms: number): Span[] {
  return spans.map((span) => (span.to === null ? { from: span.from, to: ms } : span));
}

const isOpen = (spans: readonly Span[]): boolean => spans.some((span) => span.to === null);

function stop(track: ClockTrack, ref: SlaEventRef, ms: number, severity: Severity): ClockTrack {
  if (track.stopped) return track;
  return {
    ...track,
    running: closeOpen(track.running, ms),
    held: closeOpen(track.held, ms),
    stopped: { ref, ms, severity, running: isOpen(track.running) },
  };
}

function hold(track: ClockTrack, ref: SlaEventRef, ms: number): ClockTrack {
  if (track.stopped || !isOpen(track.running)) return track;
  return {
    ...track,
    running: closeOpen(track.running, ms),
    held: [...track.held, { from: ms, to: null }],
    paused: [...track.paused, ref],
  };
}

function run(track: ClockTrack, ref: SlaEventRef, ms: number): ClockTrack {
  if (track.stopped || !isOpen(track.held)) return track;
  return {
    ...track,
    held: closeOpen(track.held, ms),
    running: [...track.running, { from: ms, to: null }],
    resumed: [...track.resumed, ref],
  };
}

/** A clock stopped by a restore runs again; the time since the restore counts as held. */
function reopen(track: ClockTrack, ref: SlaEventRef, ms: number): ClockTrack {
  if (!track.stopped || track.stopped.ref.type !== 'Restored') return track;
  return {
    ...track,
    held: [...track.held, { from: track.stopped.ms, to: ms }],
    running: [...track.running, { from: ms, to: null }],
    paused: [...track.paused, track.stopped.ref],
    resumed: [...track.resumed, ref],
    stopped: null,
  };
}
