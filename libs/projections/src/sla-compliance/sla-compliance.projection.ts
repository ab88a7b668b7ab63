import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@app/event-store';
import {
  consultationHandlingMs,
  findPolicy,
  measureSla,
  parseIsoDuration,
  type SlaPolicy,
  type SlaPolicyCatalog,
  type TicketEvent,
  toTicketEvent,
  UPCAST_METADATA_FIELDS,
} from '@app/ticketing';
import type { Projection, ProjectionPipeline, TableNames } from '../projection';
import { prepared, type WriteStatement, type WriteStatements } from '../statements';
import { type AlarmCountRow, type ClockCountRow, type ConsultationCountRow, CountDeltas } from './sla-counts';

type HistoryEntry = { revision: number; event: TicketEvent };

/** The fields the clocks read; free text (summaries, notes, reports) is left out of the stored history. */
const CLOCK_FIELDS = ['at', 'kind', 'severity', 'zone', 'from', 'to', 'engineerId', 'tier', 'policyId', 'policyVersion', 'customerId', 'metric', 'threshold', 'dueAt', 'alarm', 'alarmRevision'];

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
    // 4: withdrawn alarms are not counted; crossings are read between severity changes and reopens,
    // and a clock held with its target used exactly is paused (a rebuild puts older rows right).
    version: 4,
    streamPrefixes: ['ticket-'],
    metadataFields: UPCAST_METADATA_FIELDS,
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
      const sql = statementsFor(db, t);
      const counts = new CountDeltas();
      applyEvents(events, sql, { history: (ticketId) => readHistory(sql, ticketId), counted: (ticketId) => readCounted(sql, ticketId) }, policies, counts);
      counts.flush((text) => prepared(db, text), t);
    },

    pipeline(db: Database.Database, t: TableNames): ProjectionPipeline {
      const reads = statementsFor(db, t);
      // The tickets written by batches not committed yet, with what they wrote: the tables do not
      // show it until then. A ticket leaves once its last batch is committed, so this holds the
      // tickets of the few batches in flight.
      const inFlight = new Map<string, { history: HistoryEntry[]; counted: CountedRows; batch: number }>();
      const earlier: Earlier = {
        history: (ticketId) => {
          const written = inFlight.get(ticketId);
          return written ? [...written.history] : readHistory(reads, ticketId);
        },
        counted: (ticketId) => inFlight.get(ticketId)?.counted ?? readCounted(reads, ticketId),
      };
      return {
        apply(events, batch, statement) {
          const counts = new CountDeltas();
          applyEvents(events, writeStatementsFor(statement, t), earlier, policies, counts, (ticketId, history, counted) =>
            inFlight.set(ticketId, { history, counted, batch }),
          );
          counts.flush(statement, t);
        },
        committed(batch) {
          for (const [ticketId, written] of inFlight) if (written.batch <= batch) inFlight.delete(ticketId);
        },
      };
    },
  };
}

/** What a batch reads of a ticket an earlier batch wrote. */
interface Earlier {
  /** The stored history; undefined when the ticket has none. */
  history(ticketId: string): HistoryEntry[] | undefined;
  /** The rows stored for the ticket that the counts hold. */
  counted(ticketId: string): CountedRows;
}

/** A ticket's rows that `sla_counts` counts, as its last write stored them. */
interface CountedRows {
  readonly clocks: readonly ClockCountRow[];
  readonly alarms: readonly AlarmCountRow[];
  readonly consultation: ConsultationCountRow | undefined;
}

const NOTHING_COUNTED: CountedRows = { clocks: [], alarms: [], consultation: undefined };

/**
 * The batch's events per ticket, each ticket evaluated once however many of its events the batch
 * holds; `written` is told what each ticket now has stored.
 */
function applyEvents(
  events: readonly RecordedEvent[],
  sql: TicketWrites,
  earlier: Earlier,
  policies: SlaPolicyCatalog,
  counts: CountDeltas,
  written?: (ticketId: string, history: HistoryEntry[], counted: CountedRows) => void,
): void {
  const touched = new Map<string, { history: HistoryEntry[]; stored: boolean }>();
  for (const recorded of events) {
    const ticketId = recorded.stream.slice('ticket-'.length);
    let ticket = touched.get(ticketId);
    if (!ticket) {
      // A stream's first event (revision 0) in this batch: no earlier batch can have stored it.
      const history = recorded.revision === 0 ? undefined : earlier.history(ticketId);
      ticket = { history: history ?? [], stored: history !== undefined };
      touched.set(ticketId, ticket);
    }
    ticket.history.push(compact({ revision: recorded.revision, event: toTicketEvent(recorded) }));
  }
  for (const [ticketId, { history, stored }] of touched) {
    sql.upsertHistory.run(ticketId, JSON.stringify(history));
    const counted = writeTicket(sql, ticketId, history, policies, stored ? () => earlier.counted(ticketId) : undefined, counts);
    written?.(ticketId, history, counted);
  }
}

function readHistory(sql: Statements, ticketId: string): HistoryEntry[] | undefined {
  const row = sql.selectHistory.get(ticketId) as { history: string } | undefined;
  return row ? (JSON.parse(row.history) as HistoryEntry[]) : undefined;
}

function readCounted(sql: Statements, ticketId: string): CountedRows {
  return {
    clocks: sql.clockCounts.all(ticketId) as ClockCountRow[],
    alarms: sql.alarmCounts.all(ticketId) as AlarmCountRow[],
    consultation: sql.consultationCount.get(ticketId) as ConsultationCountRow | undefined,
  };
}

/** The writes the projection makes for every ticket. */
interface TicketWrites {
  readonly upsertHistory: WriteStatement;
  readonly deleteClocks: WriteStatement;
  readonly insertClock: WriteStatement;
  readonly upsertAlarm: WriteStatement;
  readonly deleteAlarms: WriteStatement;
  readonly upsertConsultation: WriteStatement;
  readonly upsertDeadline: WriteStatement;
  readonly deleteDeadline: WriteStatement;
}

/** The statements the projection runs for every ticket, prepared once per generation of its tables. */
interface Statements extends TicketWrites {
  readonly selectHistory: Database.Statement;
  readonly clockCounts: Database.Statement;
  readonly alarmCounts: Database.Statement;
  readonly consultationCount: Database.Statement;
}

function writeStatementsFor(statement: WriteStatements, t: TableNames): TicketWrites {
  return {
    upsertHistory: statement(`INSERT OR REPLACE INTO ${t('sla_histories')} VALUES (?, ?)`),
    deleteClocks: statement(`DELETE FROM ${t('sla_clocks')} WHERE ticket_id = ?`),
    insertClock: statement(`INSERT INTO ${t('sla_clocks')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    upsertAlarm: statement(`INSERT OR REPLACE INTO ${t('sla_alarms')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    deleteAlarms: statement(`DELETE FROM ${t('sla_alarms')} WHERE ticket_id = ?`),
    upsertConsultation: statement(`INSERT OR REPLACE INTO ${t('sla_consultations')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    upsertDeadline: statement(`INSERT OR REPLACE INTO ${t('sla_deadlines')} VALUES (?, ?)`),
    deleteDeadline: statement(`DELETE FROM ${t('sla_deadlines')} WHERE ticket_id = ?`),
  };
}

const statementCache = new WeakMap<Database.Database, Map<string, Statements>>();

function statementsFor(db: Database.Database, t: TableNames): Statements {
  let byTables = statementCache.get(db);
  if (!byTables) statementCache.set(db, (byTables = new Map()));
  const key = t('sla_clocks');
  let found = byTables.get(key);
  if (!found) {
    const p = (text: string) => prepared(db, text);
    found = {
      ...writeStatementsFor(p, t),
      selectHistory: p(`SELECT history FROM ${t('sla_histories')} WHERE ticket_id = ?`),
      clockCounts: p(`SELECT reported_at, metric, policy_id, policy_version, severity, target, outcome, paused, due_at FROM ${t('sla_clocks')} WHERE ticket_id = ?`),
      alarmCounts: p(`SELECT reported_at, metric, policy_id, policy_version, severity, type FROM ${t('sla_alarms')} WHERE ticket_id = ?`),
      consultationCount: p(
        `SELECT reported_at, policy_id, policy_version, severity, target, target_ms, handling_ms FROM ${t('sla_consultations')} WHERE ticket_id = ?`,
      ),
    };
    byTables.set(key, found);
  }
  return found;
}

/** Takes a ticket's stored rows out of the counts. */
function uncount(counted: CountedRows, counts: CountDeltas): void {
  for (const row of counted.clocks) counts.clock(row, -1);
  for (const row of counted.alarms) counts.alarm(row, -1);
  if (counted.consultation) counts.consultation(counted.consultation, -1);
}

/** What every row of a ticket repeats: its report, policy and first engineer. */
interface TicketFacts {
  readonly ticketId: string;
  readonly reportedAt: string;
  readonly policyId: string;
  readonly policyVersion: number;
  readonly customerId: string;
  readonly engineerId: string | null;
  readonly severity: string;
}

/**
 * Writes a ticket's rows from its history and adds them to the counts, taking out those its last
 * write stored (`stored`, undefined for a ticket with nothing stored). Returns the rows counted.
 */
function writeTicket(
  sql: TicketWrites,
  ticketId: string,
  history: HistoryEntry[],
  policies: SlaPolicyCatalog,
  stored: (() => CountedRows) | undefined,
  counts: CountDeltas,
): CountedRows {
  const reported = history[0]?.event;
  if (reported?.type !== 'TicketReported') return NOTHING_COUNTED;
  const policy = findPolicy(policies, reported.data.policyId, reported.data.policyVersion);
  // A policy version missing from the file cannot be evaluated; the ticket is left out, not guessed.
  if (!policy) return NOTHING_COUNTED;
  // A ticket seen before has rows to take out of the counts before its new ones go in.
  const before = stored?.();
  if (before) uncount(before, counts);
  // The latest business time seen (engine-raised events may be dated back to when they happened),
  // the engineers dispatched and the current severity, in one pass.
  let last = reported.data.at;
  let severity = '';
  let firstEngineer: string | null = null;
  let senior: string | undefined;
  for (const { event } of history) {
    if (event.data.at > last) last = event.data.at;
    if (event.type === 'TicketReported') severity = event.data.severity;
    else if (event.type === 'TicketReprioritized') severity = event.data.to;
    else if (event.type === 'EngineerDispatched') {
      firstEngineer ??= event.data.engineerId;
      if (senior === undefined && event.data.tier === 'senior') senior = event.data.engineerId;
    }
  }
  const ticket: TicketFacts = {
    ticketId,
    reportedAt: reported.data.at,
    policyId: policy.id,
    policyVersion: policy.version,
    customerId: reported.data.customerId,
    engineerId: firstEngineer,
    severity,
  };
  // A ticket first seen in this batch has no rows yet: nothing to delete.
  if (stored) {
    sql.deleteClocks.run(ticketId);
    // Alarms too: one a late fact withdrew is no longer counted.
    if (before!.alarms.length > 0) sql.deleteAlarms.run(ticketId);
  }
  const alarms = writeAlarms(sql, history, ticket, counts);
  if (reported.data.kind === 'consultation') {
    writeDeadline(sql, ticketId, undefined, stored !== undefined);
    return { clocks: [], alarms, consultation: writeConsultation(sql, history, policy, ticket, counts) };
  }
  const { clocks, nextAlarmAt } = measureSla(history, policy, last);
  writeDeadline(sql, ticketId, nextAlarmAt, stored !== undefined);
  const counted: ClockCountRow[] = [];
  for (const clock of clocks) {
    const outcome = clock.state === 'met' || clock.state === 'breached' ? clock.state : null;
    const paused = clock.state === 'paused' ? 1 : 0;
    const engineerId = clock.metric === 'seniorArrival' && senior !== undefined ? senior : firstEngineer;
    sql.insertClock.run(
      ticketId,
      clock.metric,
      ticket.reportedAt,
      ticket.policyId,
      ticket.policyVersion,
      clock.severity,
      ticket.customerId,
      engineerId,
      outcome,
      paused,
      clock.target,
      clock.targetMs,
      clock.startedAt,
      clock.dueAt,
      clock.stoppedAt,
      Math.round(clock.elapsedMs),
      Math.round(clock.pausedMs),
    );
    const row: ClockCountRow = {
      reported_at: ticket.reportedAt,
      metric: clock.metric,
      policy_id: ticket.policyId,
      policy_version: ticket.policyVersion,
      severity: clock.severity,
      target: clock.target,
      outcome,
      paused,
      due_at: clock.dueAt,
    };
    counts.clock(row, 1);
    counted.push(row);
  }
  return { clocks: counted, alarms, consultation: undefined };
}

function writeConsultation(sql: TicketWrites, history: HistoryEntry[], policy: SlaPolicy, ticket: TicketFacts, counts: CountDeltas): ConsultationCountRow {
  const handlingMs = consultationHandlingMs(history, policy);
  const target = policy.consultationAverage;
  const targetMs = parseIsoDuration(target) ?? 0;
  sql.upsertConsultation.run(
    ticket.ticketId,
    ticket.reportedAt,
    ticket.policyId,
    ticket.policyVersion,
    ticket.severity,
    ticket.customerId,
    ticket.engineerId,
    handlingMs,
    target,
    targetMs,
  );
  const row: ConsultationCountRow = {
    reported_at: ticket.reportedAt,
    policy_id: ticket.policyId,
    policy_version: ticket.policyVersion,
    severity: ticket.severity,
    target,
    target_ms: targetMs,
    handling_ms: handlingMs,
  };
  counts.consultation(row, 1);
  return row;
}

/**
 * The SLA events the engine raised on the ticket and no late fact withdrew, so the views can
 * count them. Every write of a ticket writes all of them (a row per revision), so its rows are
 * those of its last write.
 */
function writeAlarms(sql: TicketWrites, history: HistoryEntry[], ticket: TicketFacts, counts: CountDeltas): AlarmCountRow[] {
  const counted: AlarmCountRow[] = [];
  const withdrawn = new Set(history.flatMap(({ event }) => (event.type === 'SlaAlarmWithdrawn' ? [event.data.alarmRevision] : [])));
  for (const { revision, event } of history) {
    if (withdrawn.has(revision)) continue;
    if (event.type === 'SlaWarningReached' || event.type === 'SlaBreached' || event.type === 'EscalationRequired') {
      sql.upsertAlarm.run(
        ticket.ticketId,
        revision,
        event.type,
        event.data.metric,
        event.data.at,
        ticket.reportedAt,
        ticket.policyId,
        ticket.policyVersion,
        ticket.severity,
        ticket.customerId,
        ticket.engineerId,
      );
      const row: AlarmCountRow = {
        reported_at: ticket.reportedAt,
        metric: event.data.metric,
        policy_id: ticket.policyId,
        policy_version: ticket.policyVersion,
        severity: ticket.severity,
        type: event.type,
      };
      counts.alarm(row, 1);
      counted.push(row);
    }
  }
  return counted;
}

/**
 * The ticket's next deadline for the follower: the first alarm already owed at its last event,
 * else the next moment one will be. No row while nothing can become due without a new event.
 */
function writeDeadline(sql: TicketWrites, ticketId: string, next: string | undefined, stored: boolean): void {
  if (next === undefined) {
    if (stored) sql.deleteDeadline.run(ticketId);
  } else sql.upsertDeadline.run(ticketId, next);
}
