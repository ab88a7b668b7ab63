import type Database from 'better-sqlite3';
import { describeDuration, evaluateClocks, findPolicy, SLA_METRICS, type SlaPolicyCatalog, type TicketEvent } from '@app/ticketing';
import type { TableNames } from '../projection';
import { groupKeySql, ratio, whereSql, type ViewFilter } from '../views/view-query';

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

export function queryCompliance(db: Database.Database, t: TableNames, filter: ViewFilter & { metric?: string }, now: string): ComplianceGroup[] {
  const where = whereSql(filter);
  const params = { ...where.params, now };
  const key = groupKeySql(filter.groupBy);
  const metricClause = filter.metric ? ' AND metric = @metric' : '';
  const clockRows = db
    .prepare(
      `SELECT ${key} AS key, metric, count(*) AS total,
              sum(outcome = 'met') AS met, sum(${BREACHED}) AS breached, sum(${RUNNING}) AS running,
              min(target) AS min_target, max(target) AS max_target
         FROM ${t('sla_clocks')} ${where.sql}${metricClause} GROUP BY key, metric`,
    )
    .all(filter.metric ? { ...params, metric: filter.metric } : params) as Array<Record<string, string | number>>;
  const groups = new Map<string, Record<string, MetricFigures | ConsultationFigures>>();
  const group = (name: string) => {
    let found = groups.get(name);
    if (!found) groups.set(name, (found = {}));
    return found;
  };
  for (const row of clockRows) {
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
  const alarmRows = db
    .prepare(
      `SELECT ${key} AS key, metric, sum(type = 'SlaWarningReached') AS warnings, sum(type = 'SlaBreached') AS breaches,
              sum(type = 'EscalationRequired') AS escalations
         FROM ${t('sla_alarms')} ${where.sql}${metricClause} GROUP BY key, metric`,
    )
    .all(filter.metric ? { ...where.params, metric: filter.metric } : where.params) as Array<Record<string, string | number>>;
  for (const row of alarmRows) {
    const figures = groups.get(String(row.key))?.[String(row.metric)];
    if (figures && 'alarms' in figures) {
      (figures as { alarms: MetricFigures['alarms'] }).alarms = {
        warnings: Number(row.warnings),
        breaches: Number(row.breaches),
        escalations: Number(row.escalations),
      };
    }
  }
  if (!filter.metric || filter.metric === 'consultationAverage') {
    const consultations = db
      .prepare(
        `SELECT ${key} AS key, count(*) AS total, count(handling_ms) AS handled, avg(handling_ms) AS average_ms,
                min(target) AS min_target, max(target) AS max_target, min(target_ms) AS target_ms
           FROM ${t('sla_consultations')} ${where.sql} GROUP BY key`,
      )
      .all(where.params) as Array<Record<string, string | number | null>>;
    for (const row of consultations) {
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
  }
  const keys = [...groups.keys()].sort();
  if (keys.length === 0 && !filter.groupBy) return [{ key: 'all', metrics: {} }];
  return keys.map((name) => ({ key: name, metrics: groups.get(name)! }));
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
