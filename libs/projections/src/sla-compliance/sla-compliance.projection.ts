import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@app/event-store';
import {
  consultationHandlingMs,
  findPolicy,
  measureSla,
  parseIsoDuration,
  type SlaPolicyCatalog,
  type TicketEvent,
  toTicketEvent,
} from '@app/ticketing';
import type { Projection, TableNames } from '../projection';
import { prepared } from '../statements';
import { type AlarmCountRow, type ClockCountRow, type ConsultationCountRow, CountDeltas } from './sla-counts';

type HistoryEntry = { revision: number; event: TicketEvent };

/** The fields the clocks read; free text (summaries, notes, reports) is left out of the stored history. */
const CLOCK_FIELDS = ['at', 'kind', 'severity', 'zone', 'from', 'to', 'engineerId', 'tier', 'policyId', 'policyVersion', 'customerId', 'metric', 'threshold', 'dueAt'];

function compact(entry: HistoryEntry): HistoryEntry {
  const data: Record<string, unknown> = {};
  for (const field of CLOCK_FIELDS) {
    const value = (entry.event.data as Record<string, unknown>)[field];
    if (value !== undefined) data[field] = value;
  }
  return { revision: entry.revision, event: { type: entry.event.type, data } as TicketEvent };
}

/**
 * SLA compliance: every clock of every fault, and the handling time of every consultation,
 * evaluated by the domain's pure clock function at the ticket's last event. A clock still open is
 * stored with its due time, so a query counts it breached once its due time has passed.
 */
export function slaComplianceProjection(policies: SlaPolicyCatalog): Projection {
  return {
    name: 'sla-compliance',
    version: 3,
    streamPrefixes: ['ticket-'],
    tables: ['sla_histories', 'sla_clocks', 'sla_consultations', 'sla_alarms', 'sla_deadlines', 'sla_counts'],

    createSchema(db: Database.Database, t: TableNames): void {
      db.exec(`
        CREATE TABLE ${t('sla_histories')} (ticket_id TEXT PRIMARY KEY, history TEXT NOT NULL);
        CREATE TABLE ${t('sla_clocks')} (
          ticket_id      TEXT NOT NULL,
          metric         TEXT NOT NULL,
          reported_at    TEXT NOT NULL,
          policy_id      TEXT NOT NULL,
          policy_version INTEGER NOT NULL,
          severity       TEXT NOT NULL,
          customer_id    TEXT NOT NULL,
          engineer_id    TEXT,
          outcome        TEXT CHECK (outcome IN ('met', 'breached')),
          paused         INTEGER NOT NULL,
          target         TEXT NOT NULL,
          target_ms      INTEGER NOT NULL,
          started_at     TEXT NOT NULL,
          due_at         TEXT NOT NULL,
          stopped_at     TEXT,
          elapsed_ms     INTEGER NOT NULL,
          paused_ms      INTEGER NOT NULL,
          PRIMARY KEY (ticket_id, metric)
        );
        CREATE INDEX ${t('sla_clocks')}_reported ON ${t('sla_clocks')} (reported_at, metric);
        -- Open clocks that run, by due time: the summary judges those due on the day of its now one by one.
        CREATE INDEX ${t('sla_clocks')}_open_due ON ${t('sla_clocks')} (due_at) WHERE outcome IS NULL AND paused = 0;
        CREATE TABLE ${t('sla_consultations')} (
          ticket_id      TEXT PRIMARY KEY,
          reported_at    TEXT NOT NULL,
          policy_id      TEXT NOT NULL,
          policy_version INTEGER NOT NULL,
          severity       TEXT NOT NULL,
          customer_id    TEXT NOT NULL,
          engineer_id    TEXT,
          handling_ms    INTEGER,
          target         TEXT NOT NULL,
          target_ms      INTEGER NOT NULL
        );
        CREATE INDEX ${t('sla_consultations')}_reported ON ${t('sla_consultations')} (reported_at);
        CREATE TABLE ${t('sla_alarms')} (
          ticket_id      TEXT NOT NULL,
          revision       INTEGER NOT NULL,
          type           TEXT NOT NULL,
          metric         TEXT NOT NULL,
          at             TEXT NOT NULL,
          reported_at    TEXT NOT NULL,
          policy_id      TEXT NOT NULL,
          policy_version INTEGER NOT NULL,
          severity       TEXT NOT NULL,
          customer_id    TEXT NOT NULL,
          engineer_id    TEXT,
          PRIMARY KEY (ticket_id, revision)
        );
        CREATE INDEX ${t('sla_alarms')}_reported ON ${t('sla_alarms')} (reported_at);
        -- When the deadline follower must next look at a ticket: the first moment an SLA event is owed.
        CREATE TABLE ${t('sla_deadlines')} (ticket_id TEXT PRIMARY KEY, next_at TEXT NOT NULL);
        CREATE INDEX ${t('sla_deadlines')}_next ON ${t('sla_deadlines')} (next_at);
        -- The rows above counted per report day and the dimensions the summary groups and filters
        -- by, but customer and engineer (see sla-counts.ts).
        CREATE TABLE ${t('sla_counts')} (
          kind           TEXT NOT NULL CHECK (kind IN ('clock', 'alarm', 'consultation')),
          day            TEXT NOT NULL,
          metric         TEXT NOT NULL,
          policy_id      TEXT NOT NULL,
          policy_version INTEGER NOT NULL,
          severity       TEXT NOT NULL,
          target         TEXT NOT NULL,
          target_ms      INTEGER NOT NULL,
          state          TEXT NOT NULL,
          due_day        TEXT NOT NULL,
          n              INTEGER NOT NULL,
          handled        INTEGER NOT NULL,
          handling_ms    INTEGER NOT NULL,
          PRIMARY KEY (kind, day, metric, policy_id, policy_version, severity, target, target_ms, state, due_day)
        ) WITHOUT ROWID;
      `);
    },

    apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames): void {
      // One evaluation per ticket per batch, however many of its events the batch holds.
      const touched = new Map<string, { history: HistoryEntry[]; stored: boolean }>();
      for (const recorded of events) {
        const ticketId = recorded.stream.slice('ticket-'.length);
        let ticket = touched.get(ticketId);
        if (!ticket) {
          const row = prepared(db, `SELECT history FROM ${t('sla_histories')} WHERE ticket_id = ?`).get(ticketId) as { history: string } | undefined;
          ticket = { history: row ? (JSON.parse(row.history) as HistoryEntry[]) : [], stored: row !== undefined };
          touched.set(ticketId, ticket);
        }
        ticket.history.push(compact({ revision: recorded.revision, event: toTicketEvent(recorded) }));
      }
      const counts = new CountDeltas();
      for (const [ticketId, { history, stored }] of touched) {
        prepared(db, `INSERT OR REPLACE INTO ${t('sla_histories')} VALUES (?, ?)`).run(ticketId, JSON.stringify(history));
        writeTicket(db, t, ticketId, history, policies, stored, counts);
      }
      counts.flush(db, t);
    },
  };
}

/** Takes a ticket's stored rows out of the counts. */
function uncount(db: Database.Database, t: TableNames, ticketId: string, counts: CountDeltas): void {
  const clocks = prepared(db, `SELECT reported_at, metric, policy_id, policy_version, severity, target, outcome, paused, due_at FROM ${t('sla_clocks')} WHERE ticket_id = ?`);
  for (const row of clocks.all(ticketId) as ClockCountRow[]) counts.clock(row, -1);
  const alarms = prepared(db, `SELECT reported_at, metric, policy_id, policy_version, severity, type FROM ${t('sla_alarms')} WHERE ticket_id = ?`);
  for (const row of alarms.all(ticketId) as AlarmCountRow[]) counts.alarm(row, -1);
  const consultation = prepared(
    db,
    `SELECT reported_at, policy_id, policy_version, severity, target, target_ms, handling_ms FROM ${t('sla_consultations')} WHERE ticket_id = ?`,
  ).get(ticketId) as ConsultationCountRow | undefined;
  if (consultation) counts.consultation(consultation, -1);
}

function writeTicket(
  db: Database.Database,
  t: TableNames,
  ticketId: string,
  history: HistoryEntry[],
  policies: SlaPolicyCatalog,
  stored: boolean,
  counts: CountDeltas,
): void {
  const reported = history[0]?.event;
  if (reported?.type !== 'TicketReported') return;
  const policy = findPolicy(policies, reported.data.policyId, reported.data.policyVersion);
  // A policy version missing from the file cannot be evaluated; the ticket is left out, not guessed.
  if (!policy) return;
  // A ticket seen before has rows to take out of the counts before its new ones go in.
  if (stored) uncount(db, t, ticketId, counts);
  // The latest business time seen (engine-raised events may be dated back to when they happened).
  const last = history.reduce((latest, entry) => (entry.event.data.at > latest ? entry.event.data.at : latest), reported.data.at);
  const engineers = history.flatMap((entry) => (entry.event.type === 'EngineerDispatched' ? [entry.event.data] : []));
  const common = {
    ticketId,
    reportedAt: reported.data.at,
    policyId: policy.id,
    policyVersion: policy.version,
    customerId: reported.data.customerId,
    engineerId: engineers[0]?.engineerId ?? null,
  };
  // A ticket first seen in this batch has no rows yet: nothing to delete.
  if (stored) prepared(db, `DELETE FROM ${t('sla_clocks')} WHERE ticket_id = ?`).run(ticketId);
  writeAlarms(db, t, history, { ...common, severity: currentSeverity(history) }, counts);
  const { clocks, nextAlarmAt } = measureSla(history, policy, last);
  writeDeadline(db, t, ticketId, nextAlarmAt, stored);
  if (reported.data.kind === 'consultation') {
    const consultation = {
      ...common,
      severity: currentSeverity(history),
      handlingMs: consultationHandlingMs(history, policy),
      target: policy.consultationAverage,
      targetMs: parseIsoDuration(policy.consultationAverage) ?? 0,
    };
    prepared(
      db,
      `INSERT OR REPLACE INTO ${t('sla_consultations')} VALUES (@ticketId, @reportedAt, @policyId, @policyVersion, @severity, @customerId, @engineerId, @handlingMs, @target, @targetMs)`,
    ).run(consultation);
    counts.consultation(
      {
        reported_at: consultation.reportedAt,
        policy_id: consultation.policyId,
        policy_version: consultation.policyVersion,
        severity: consultation.severity,
        target: consultation.target,
        target_ms: consultation.targetMs,
        handling_ms: consultation.handlingMs,
      },
      1,
    );
    return;
  }
  const insert = prepared(
    db,
    `INSERT INTO ${t('sla_clocks')} VALUES (@ticketId, @metric, @reportedAt, @policyId, @policyVersion, @severity, @customerId, @engineerId,
       @outcome, @paused, @target, @targetMs, @startedAt, @dueAt, @stoppedAt, @elapsedMs, @pausedMs)`,
  );
  for (const clock of clocks) {
    const senior = clock.metric === 'seniorArrival' ? engineers.find((e) => e.tier === 'senior')?.engineerId : undefined;
    const row = {
      ...common,
      engineerId: senior ?? common.engineerId,
      metric: clock.metric,
      severity: clock.severity,
      outcome: clock.state === 'met' || clock.state === 'breached' ? clock.state : null,
      paused: clock.state === 'paused' ? 1 : 0,
      target: clock.target,
      targetMs: clock.targetMs,
      startedAt: clock.startedAt,
      dueAt: clock.dueAt,
      stoppedAt: clock.stoppedAt,
      elapsedMs: Math.round(clock.elapsedMs),
      pausedMs: Math.round(clock.pausedMs),
    };
    insert.run(row);
    counts.clock(
      {
        reported_at: row.reportedAt,
        metric: row.metric,
        policy_id: row.policyId,
        policy_version: row.policyVersion,
        severity: row.severity,
        target: row.target,
        outcome: row.outcome,
        paused: row.paused,
        due_at: row.dueAt,
      },
      1,
    );
  }
}

function currentSeverity(history: HistoryEntry[]): string {
  let severity = '';
  for (const { event } of history) {
    if (event.type === 'TicketReported') severity = event.data.severity;
    if (event.type === 'TicketReprioritized') severity = event.data.to;
  }
  return severity;
}

/** The SLA events the engine raised on the ticket, so the views can count them. */
function writeAlarms(
  db: Database.Database,
  t: TableNames,
  history: HistoryEntry[],
  ticket: { ticketId: string; reportedAt: string; policyId: string; policyVersion: number; customerId: string; engineerId: string | null; severity: string },
  counts: CountDeltas,
): void {
  const insert = prepared(
    db,
    `INSERT OR REPLACE INTO ${t('sla_alarms')} VALUES (@ticketId, @revision, @type, @metric, @at, @reportedAt, @policyId, @policyVersion, @severity, @customerId, @engineerId)`,
  );
  for (const { revision, event } of history) {
    if (event.type === 'SlaWarningReached' || event.type === 'SlaBreached' || event.type === 'EscalationRequired') {
      insert.run({ ...ticket, revision, type: event.type, metric: event.data.metric, at: event.data.at });
      counts.alarm(
        { reported_at: ticket.reportedAt, metric: event.data.metric, policy_id: ticket.policyId, policy_version: ticket.policyVersion, severity: ticket.severity, type: event.type },
        1,
      );
    }
  }
}

/**
 * The ticket's next deadline for the follower: the first alarm already owed at its last event,
 * else the next moment one will be. No row while nothing can become due without a new event.
 */
function writeDeadline(db: Database.Database, t: TableNames, ticketId: string, next: string | undefined, stored: boolean): void {
  if (next === undefined) {
    if (stored) prepared(db, `DELETE FROM ${t('sla_deadlines')} WHERE ticket_id = ?`).run(ticketId);
  } else prepared(db, `INSERT OR REPLACE INTO ${t('sla_deadlines')} VALUES (?, ?)`).run(ticketId, next);
}
