import type Database from 'better-sqlite3';
import { describeDuration, evaluateClocks, findPolicy, SLA_METRICS, type SlaPolicyCatalog, type TicketEvent } from '@app/ticketing';
import type { TableNames } from '../projection';
import { groupKeySql, needsNetwork, ratio, whereSql, type ViewFilter } from '../views/view-query';

export const OUTCOMES = ['met', 'breached', 'running'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface MetricFigures {
  readonly total: number;
  readonly met: number;
  readonly breached: number;
  readonly running: number;
  /** met / (met + breached), 4 decimals; null when both are 0. */
  readonly compliance: number | null;
  /** The target when every clock of the group has the same one, else null. */
  readonly target: string | null;
  /** The events the engine raised on these clocks: warnings, breaches and escalations. */
  readonly alarms: { readonly warnings: number; readonly breaches: number; readonly escalations: number };
}

export interface ConsultationFigures {
  readonly total: number;
  readonly handled: number;
  readonly averageMs: number | null;
  readonly average: string | null;
  readonly target: string | null;
  readonly met: boolean | null;
}

export interface ComplianceGroup {
  readonly key: string;
  readonly metrics: Record<string, MetricFigures | ConsultationFigures>;
}

/**
 * An open clock past its due time (and not paused) counts as breached from that moment: `now`
 * decides, not the time the row was written.
 */
const BREACHED = `(outcome = 'breached' OR (outcome IS NULL AND paused = 0 AND due_at <= @now))`;
const RUNNING = `(outcome IS NULL AND NOT (paused = 0 AND due_at <= @now))`;

type SqlRow = Record<string, string | number | null>;

/** The summary's rows before they are folded into groups, whichever way they were read. */
interface SummaryRows {
  /** key, metric, total, met, breached, running, min_target, max_target */
  readonly clocks: SqlRow[];
  /** key, metric, warnings, breaches, escalations */
  readonly alarms: SqlRow[];
  /** key, total, handled, average_ms, min_target, max_target, target_ms; none when the metric filter leaves consultations out */
  readonly consultations: SqlRow[];
}

/**
 * Figures per group and metric. Read from the pre-aggregated `sla_counts` for the whole days of
 * the period, from the rows for the partial days at its ends and for the open clocks due on the
 * day of `now` (see `countsPlan`); a query by customer or engineer reads the rows.
 */
export function queryCompliance(db: Database.Database, t: TableNames, filter: ViewFilter & { metric?: string }, now: string): ComplianceGroup[] {
  const plan = hasCounts(db, t) ? countsPlan(filter, now) : undefined;
  return summaryGroups(filter, plan ? readCounts(db, t, filter, now, plan) : scanRows(db, t, filter, now));
}

/**
 * Whether the generation has the counts: one built by a version before 3 has not, and stays
 * live (answering by its rows) while the new version is built beside it.
 */
function hasCounts(db: Database.Database, t: TableNames): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t('sla_counts')) !== undefined;
}

/** The summary read from the rows alone: every clock, alarm and consultation of the period. */
export function scanCompliance(db: Database.Database, t: TableNames, filter: ViewFilter & { metric?: string }, now: string): ComplianceGroup[] {
  return summaryGroups(filter, scanRows(db, t, filter, now));
}

function summaryGroups(filter: ViewFilter & { metric?: string }, rows: SummaryRows): ComplianceGroup[] {
  const groups = new Map<string, Record<string, MetricFigures | ConsultationFigures>>();
  const group = (name: string) => {
    let found = groups.get(name);
    if (!found) groups.set(name, (found = {}));
    return found;
  };
  for (const row of rows.clocks) {
    const met = Number(row.met);
    const breached = Number(row.breached);
    group(String(row.key))[String(row.metric)] = {
      total: Number(row.total),
      met,
      breached,
      running: Number(row.running),
      compliance: ratio(met, met + breached),
      target: row.min_target === row.max_target ? String(row.min_target) : null,
      alarms: { warnings: 0, breaches: 0, escalations: 0 },
    };
  }
  for (const row of rows.alarms) {
    const figures = groups.get(String(row.key))?.[String(row.metric)];
    if (figures && 'alarms' in figures) {
      (figures as { alarms: MetricFigures['alarms'] }).alarms = {
        warnings: Number(row.warnings),
        breaches: Number(row.breaches),
        escalations: Number(row.escalations),
      };
    }
  }
  for (const row of rows.consultations) {
    const averageMs = row.average_ms === null ? null : Math.round(Number(row.average_ms));
    const sameTarget = row.min_target === row.max_target;
    group(String(row.key)).consultationAverage = {
      total: Number(row.total),
      handled: Number(row.handled),
      averageMs,
      average: averageMs === null ? null : describeDuration(averageMs),
      target: sameTarget ? String(row.min_target) : null,
      met: averageMs === null || !sameTarget ? null : averageMs <= Number(row.target_ms),
    };
  }
  const keys = [...groups.keys()].sort();
  if (keys.length === 0 && !filter.groupBy) return [{ key: 'all', metrics: {} }];
  return keys.map((name) => ({ key: name, metrics: groups.get(name)! }));
}

const withConsultations = (filter: { metric?: string }) => !filter.metric || filter.metric === 'consultationAverage';

/** Every row of the period and filters, grouped. */
function scanRows(db: Database.Database, t: TableNames, filter: ViewFilter & { metric?: string }, now: string): SummaryRows {
  const where = whereSql(filter);
  const params = { ...where.params, now, metric: filter.metric };
  const key = groupKeySql(filter.groupBy, 'reported_at', filter.network);
  const metricClause = filter.metric ? ' AND metric = @metric' : '';
  return {
    clocks: db.prepare(`${clockFigures(key)} FROM ${t('sla_clocks')} ${where.sql}${metricClause} GROUP BY key, metric`).all(params) as SqlRow[],
    alarms: db.prepare(`${alarmFigures(key)} FROM ${t('sla_alarms')} ${where.sql}${metricClause} GROUP BY key, metric`).all(params) as SqlRow[],
    consultations: withConsultations(filter)
      ? (db.prepare(`${consultationFigures(key)} FROM ${t('sla_consultations')} ${where.sql} GROUP BY key`).all(params) as SqlRow[])
      : [],
  };
}

const clockFigures = (key: string) =>
  `SELECT ${key} AS key, metric, count(*) AS total, sum(outcome = 'met') AS met, sum(${BREACHED}) AS breached, sum(${RUNNING}) AS running,
          min(target) AS min_target, max(target) AS max_target`;
const alarmFigures = (key: string) =>
  `SELECT ${key} AS key, metric, sum(type = 'SlaWarningReached') AS warnings, sum(type = 'SlaBreached') AS breaches,
          sum(type = 'EscalationRequired') AS escalations`;
const consultationFigures = (key: string) =>
  `SELECT ${key} AS key, count(*) AS total, count(handling_ms) AS handled, avg(handling_ms) AS average_ms,
          min(target) AS min_target, max(target) AS max_target, min(target_ms) AS target_ms`;
/** The same figures as parts to add up: the sum of the handling times instead of their mean. */
const consultationSums = (key: string) =>
  `SELECT ${key} AS key, count(*) AS total, count(handling_ms) AS handled, sum(handling_ms) AS handling_ms,
          min(target) AS min_target, max(target) AS max_target, min(target_ms) AS target_ms`;

/**
 * The whole days of the period, which `sla_counts` answers: `[wholeFrom, wholeTo)`, each bound
 * absent when the period is open on that side. A report time counts on the day its first ten
 * characters name, so a day D lies wholly in `[from, to)` when `from <= D` and `D < ` the day of
 * `to`. Undefined when the rows must be read instead: a grouping or filter by customer or engineer
 * (not counted), a period shorter than a day, or a bound or `now` that does not start with a date.
 */
export interface CountsPlan {
  readonly wholeFrom?: string;
  readonly wholeTo?: string;
  /** The day of `now`: open clocks due on an earlier day are breached, on a later day running. */
  readonly nowDay: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}/;

export function countsPlan(filter: ViewFilter, now: string): CountsPlan | undefined {
  if (filter.groupBy === 'customer' || filter.groupBy === 'engineer') return undefined;
  if (filter.customerId !== undefined || filter.engineerId !== undefined) return undefined;
  // The network's dimensions are not counted either.
  if (needsNetwork(filter)) return undefined;
  if (!DAY.test(now)) return undefined;
  let wholeFrom: string | undefined;
  if (filter.from !== undefined) {
    if (!DAY.test(filter.from)) return undefined;
    const day = filter.from.slice(0, 10);
    // A bound at midnight (a date, or the date at 00:00 UTC as the API sends it) starts a whole
    // day; a bound after midnight leaves its day partial, and the whole days start the next day.
    wholeFrom = filter.from.length === 10 || filter.from.slice(10) === 'T00:00:00.000Z' ? day : nextDay(day);
    if (wholeFrom === undefined) return undefined;
  }
  let wholeTo: string | undefined;
  if (filter.to !== undefined) {
    if (!DAY.test(filter.to)) return undefined;
    wholeTo = filter.to.slice(0, 10);
  }
  if (wholeFrom !== undefined && wholeTo !== undefined && wholeFrom >= wholeTo) return undefined;
  return { wholeFrom, wholeTo, nowDay: now.slice(0, 10) };
}

function nextDay(day: string): string | undefined {
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(ms)) return undefined;
  const next = new Date(ms + 86_400_000).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(next) && next > day ? next : undefined;
}

/**
 * The summary from `sla_counts` for the whole days, plus the rows of the partial days at the ends
 * of the period, plus the open running clocks of the whole days due on the day of `now` (judged
 * against `now` one by one; `sla_counts` leaves them out).
 */
function readCounts(db: Database.Database, t: TableNames, filter: ViewFilter & { metric?: string }, now: string, plan: CountsPlan): SummaryRows {
  const where = whereSql(filter);
  const params = {
    ...where.params,
    now,
    metric: filter.metric,
    wholeFrom: plan.wholeFrom,
    wholeTo: plan.wholeTo,
    nowDay: plan.nowDay,
    // Every text that starts with the day of now sorts from nowDay up to before this.
    nowDayEnd: `${plan.nowDay}\uffff`,
  };
  const key = groupKeySql(filter.groupBy);
  const dayKey = groupKeySql(filter.groupBy, 'day');
  const metricClause = filter.metric ? ' AND metric = @metric' : '';
  const counted = [
    plan.wholeFrom !== undefined ? 'day >= @wholeFrom' : undefined,
    plan.wholeTo !== undefined ? 'day < @wholeTo' : undefined,
    filter.policyId !== undefined ? 'policy_id = @policyId' : undefined,
    filter.severity !== undefined ? 'severity = @severity' : undefined,
    filter.metric ? 'metric = @metric' : undefined,
  ].filter((clause) => clause !== undefined);
  const countsWhere = (kind: string) => `WHERE ${[`kind = '${kind}'`, ...counted].join(' AND ')}`;
  const whole = [plan.wholeFrom !== undefined ? 'reported_at >= @wholeFrom' : undefined, plan.wholeTo !== undefined ? 'reported_at < @wholeTo' : undefined]
    .filter((clause) => clause !== undefined)
    .map((clause) => ` AND ${clause}`)
    .join('');
  // The partial days: before the first whole day, and from the day of `to` on.
  const ends = [
    plan.wholeFrom !== undefined ? ' AND reported_at < @wholeFrom' : undefined,
    plan.wholeTo !== undefined ? ' AND reported_at >= @wholeTo' : undefined,
  ].filter((clause) => clause !== undefined);
  const fromRows = (table: string, figures: string, extra = '') => ends.map((end) => `${figures} FROM ${t(table)} ${where.sql}${extra}${end} GROUP BY key${table === 'sla_consultations' ? '' : ', metric'}`);

  const clockParts = [
    `SELECT ${dayKey} AS key, metric, sum(n) AS total, sum(CASE WHEN state = 'met' THEN n ELSE 0 END) AS met,
            sum(CASE WHEN state = 'breached' OR (state = 'open' AND due_day < @nowDay) THEN n ELSE 0 END) AS breached,
            sum(CASE WHEN state = 'paused' OR (state = 'open' AND due_day > @nowDay) THEN n ELSE 0 END) AS running,
            min(target) AS min_target, max(target) AS max_target
       FROM ${t('sla_counts')} ${countsWhere('clock')} AND NOT (state = 'open' AND due_day = @nowDay) GROUP BY key, metric`,
    ...fromRows('sla_clocks', clockFigures(key), metricClause),
    `${clockFigures(key)} FROM ${t('sla_clocks')} ${where.sql}${metricClause}${whole}
        AND outcome IS NULL AND paused = 0 AND due_at >= @nowDay AND due_at < @nowDayEnd AND substr(due_at, 1, 10) = @nowDay GROUP BY key, metric`,
  ];
  const clocks = db
    .prepare(
      `SELECT key, metric, sum(total) AS total, sum(met) AS met, sum(breached) AS breached, sum(running) AS running,
              min(min_target) AS min_target, max(max_target) AS max_target
         FROM (${clockParts.join(' UNION ALL ')}) GROUP BY key, metric ORDER BY key, metric`,
    )
    .all(params) as SqlRow[];

  const alarmParts = [
    `SELECT ${dayKey} AS key, metric, sum(CASE WHEN state = 'SlaWarningReached' THEN n ELSE 0 END) AS warnings,
            sum(CASE WHEN state = 'SlaBreached' THEN n ELSE 0 END) AS breaches, sum(CASE WHEN state = 'EscalationRequired' THEN n ELSE 0 END) AS escalations
       FROM ${t('sla_counts')} ${countsWhere('alarm')} GROUP BY key, metric`,
    ...fromRows('sla_alarms', alarmFigures(key), metricClause),
  ];
  const alarms = db
    .prepare(
      `SELECT key, metric, sum(warnings) AS warnings, sum(breaches) AS breaches, sum(escalations) AS escalations
         FROM (${alarmParts.join(' UNION ALL ')}) GROUP BY key, metric`,
    )
    .all(params) as SqlRow[];

  if (!withConsultations(filter)) return { clocks, alarms, consultations: [] };
  const consultationParts = [
    `SELECT ${dayKey} AS key, sum(n) AS total, sum(handled) AS handled, sum(handling_ms) AS handling_ms,
            min(target) AS min_target, max(target) AS max_target, min(target_ms) AS target_ms
       FROM ${t('sla_counts')} ${countsWhere('consultation')} GROUP BY key`,
    ...fromRows('sla_consultations', consultationSums(key)),
  ];
  // avg() over integers is their exact sum divided by the count, in floating point: so is this.
  const consultations = db
    .prepare(
      `SELECT key, sum(total) AS total, sum(handled) AS handled, CASE WHEN sum(handled) > 0 THEN sum(handling_ms) * 1.0 / sum(handled) END AS average_ms,
              min(min_target) AS min_target, max(max_target) AS max_target, min(target_ms) AS target_ms
         FROM (${consultationParts.join(' UNION ALL ')}) GROUP BY key`,
    )
    .all(params) as SqlRow[];
  return { clocks, alarms, consultations };
}

export interface ClockRow {
  readonly ticketId: string;
  readonly metric: string;
  readonly outcome: Outcome;
  readonly paused: boolean;
  readonly reportedAt: string;
  readonly policyId: string;
  readonly policyVersion: number;
  readonly severity: string;
  readonly customerId: string;
  readonly engineerId: string | null;
  readonly target: string;
  readonly startedAt: string;
  readonly dueAt: string;
  readonly stoppedAt: string | null;
  readonly elapsedMs: number;
  readonly pausedMs: number;
}

/**
 * Per-ticket clock rows, filtered by metric and outcome, ordered by report time then ticket,
 * paged. The rows of open clocks are evaluated again at `now` from the stored history, so their
 * elapsed, paused and due times are those of the moment of the query, as the ticket view gives them.
 */
export function queryClockRows(
  db: Database.Database,
  t: TableNames,
  filter: ViewFilter & { metric?: string; outcome?: Outcome },
  page: { limit: number; offset: number },
  now: string,
  policies: SlaPolicyCatalog,
): { total: number; items: ClockRow[] } {
  const where = whereSql(filter);
  const clauses = [where.sql];
  const params: Record<string, unknown> = { ...where.params, now };
  if (filter.metric) {
    clauses.push('AND metric = @metric');
    params.metric = filter.metric;
  }
  if (filter.outcome === 'met') clauses.push("AND outcome = 'met'");
  if (filter.outcome === 'breached') clauses.push(`AND ${BREACHED}`);
  if (filter.outcome === 'running') clauses.push(`AND ${RUNNING}`);
  const from = `FROM ${t('sla_clocks')} ${clauses.join(' ')}`;
  const total = (db.prepare(`SELECT count(*) AS n ${from}`).get(params) as { n: number }).n;
  const rows = db
    .prepare(
      `SELECT *, CASE WHEN outcome IS NOT NULL THEN outcome WHEN ${BREACHED} THEN 'breached' ELSE 'running' END AS effective
         ${from} ORDER BY reported_at, ticket_id, metric LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: page.limit, offset: page.offset }) as Array<Record<string, string | number | null>>;
  const items = rows.map((row) => ({
      ticketId: String(row.ticket_id),
      metric: String(row.metric),
      outcome: row.effective as Outcome,
      paused: row.paused === 1,
      reportedAt: String(row.reported_at),
      policyId: String(row.policy_id),
      policyVersion: Number(row.policy_version),
      severity: String(row.severity),
      customerId: String(row.customer_id),
      engineerId: row.engineer_id === null ? null : String(row.engineer_id),
      target: String(row.target),
      startedAt: String(row.started_at),
      dueAt: String(row.due_at),
      stoppedAt: row.stopped_at === null ? null : String(row.stopped_at),
      elapsedMs: Number(row.elapsed_ms),
      pausedMs: Number(row.paused_ms),
    }));
  return { total, items: items.map((item) => (item.stoppedAt === null ? atNow(db, t, item, now, policies) : item)) };
}

function atNow(db: Database.Database, t: TableNames, row: ClockRow, now: string, policies: SlaPolicyCatalog): ClockRow {
  const stored = db.prepare(`SELECT history FROM ${t('sla_histories')} WHERE ticket_id = ?`).get(row.ticketId) as { history: string } | undefined;
  const policy = findPolicy(policies, row.policyId, row.policyVersion);
  if (!stored || !policy) return row;
  const history = JSON.parse(stored.history) as Array<{ revision: number; event: TicketEvent }>;
  const clock = evaluateClocks(history, policy, now).find((c) => c.metric === row.metric);
  if (!clock) return row;
  return {
    ...row,
    outcome: clock.state === 'breached' ? 'breached' : clock.state === 'met' ? 'met' : 'running',
    paused: clock.state === 'paused',
    dueAt: clock.dueAt,
    elapsedMs: Math.round(clock.elapsedMs),
    pausedMs: Math.round(clock.pausedMs),
  };
}

export const METRIC_IDS = [...SLA_METRICS, 'consultationAverage'] as const;
