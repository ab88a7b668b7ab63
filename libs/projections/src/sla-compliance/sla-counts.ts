import type { TableNames } from '../projection';
import type { WriteStatements } from '../statements';

/**
 * The compliance summary's pre-aggregate (`sla_counts`): the rows of `sla_clocks`, `sla_alarms`
 * and `sla_consultations` counted per report day (`day`, the first ten characters of
 * `reported_at`, a canonical UTC instant) and per the dimensions the summary groups and filters
 * by, except customer and engineer (thousands of values: a count per customer and day is about one
 * row per ticket, so those queries read the rows themselves).
 *
 * A clock's `state` is its outcome once stopped (`met`, `breached`); an open clock is `paused`
 * (running whatever the time) or `open`, counted per `due_day` (the first ten characters of
 * `due_at`): at query time an open clock due on an earlier day than `now` is breached, one due on
 * a later day is running, and those due on the day of `now` are judged one by one from
 * `sla_clocks`. An alarm's `state` is its event type. A consultation row counts the tickets, the
 * handled ones and the sum of their handling times. A count that falls to 0 is deleted, so the
 * table is the same whichever batches built it.
 */
export interface CountKey {
  readonly kind: 'clock' | 'alarm' | 'consultation';
  readonly day: string;
  readonly metric: string;
  readonly policyId: string;
  readonly policyVersion: number;
  readonly severity: string;
  readonly target: string;
  readonly targetMs: number;
  readonly state: string;
  readonly dueDay: string;
}

interface Delta extends CountKey {
  n: number;
  handled: number;
  handlingMs: number;
}

/** What one stored row adds to the counts. */
export interface ClockCountRow {
  readonly reported_at: string;
  readonly metric: string;
  readonly policy_id: string;
  readonly policy_version: number;
  readonly severity: string;
  readonly target: string;
  readonly outcome: string | null;
  readonly paused: number;
  readonly due_at: string;
}

export interface AlarmCountRow {
  readonly reported_at: string;
  readonly metric: string;
  readonly policy_id: string;
  readonly policy_version: number;
  readonly severity: string;
  readonly type: string;
}

export interface ConsultationCountRow {
  readonly reported_at: string;
  readonly policy_id: string;
  readonly policy_version: number;
  readonly severity: string;
  readonly target: string;
  readonly target_ms: number;
  readonly handling_ms: number | null;
}

/** The state an open or stopped clock row is counted under. */
export function clockState(row: Pick<ClockCountRow, 'outcome' | 'paused'>): string {
  return row.outcome ?? (row.paused ? 'paused' : 'open');
}

/** The changes to the counts that one batch makes, summed per key, written once at its end. */
export class CountDeltas {
  private readonly deltas = new Map<string, Delta>();

  clock(row: ClockCountRow, sign: 1 | -1): void {
    const state = clockState(row);
    const dueDay = state === 'open' ? row.due_at.slice(0, 10) : '';
    this.add('clock', row.reported_at.slice(0, 10), row.metric, row.policy_id, row.policy_version, row.severity, row.target, 0, state, dueDay, sign, 0);
  }

  alarm(row: AlarmCountRow, sign: 1 | -1): void {
    this.add('alarm', row.reported_at.slice(0, 10), row.metric, row.policy_id, row.policy_version, row.severity, '', 0, row.type, '', sign, 0);
  }

  consultation(row: ConsultationCountRow, sign: 1 | -1): void {
    this.add(
      'consultation',
      row.reported_at.slice(0, 10),
      'consultationAverage',
      row.policy_id,
      row.policy_version,
      row.severity,
      row.target,
      row.target_ms,
      '',
      '',
      sign,
      row.handling_ms,
    );
  }

  // The key's fields one by one: this runs for every row a batch writes or takes back.
  private add(
    kind: CountKey['kind'],
    day: string,
    metric: string,
    policyId: string,
    policyVersion: number,
    severity: string,
    target: string,
    targetMs: number,
    state: string,
    dueDay: string,
    sign: 1 | -1,
    handlingMs: number | null,
  ): void {
    const id = `${kind}\u0000${day}\u0000${metric}\u0000${policyId}\u0000${policyVersion}\u0000${severity}\u0000${target}\u0000${targetMs}\u0000${state}\u0000${dueDay}`;
    let delta = this.deltas.get(id);
    if (!delta) {
      delta = { kind, day, metric, policyId, policyVersion, severity, target, targetMs, state, dueDay, n: 0, handled: 0, handlingMs: 0 };
      this.deltas.set(id, delta);
    }
    delta.n += sign;
    if (handlingMs !== null) {
      delta.handled += sign;
      delta.handlingMs += sign * handlingMs;
    }
  }

  /** Adds the batch's changes to `sla_counts`, deleting the counts that fell to 0. */
  flush(statement: WriteStatements, t: TableNames): void {
    const upsert = statement(
      `INSERT INTO ${t('sla_counts')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET n = n + excluded.n, handled = handled + excluded.handled, handling_ms = handling_ms + excluded.handling_ms`,
    );
    const emptied = statement(
      `DELETE FROM ${t('sla_counts')} WHERE kind = ? AND day = ? AND metric = ? AND policy_id = ? AND policy_version = ?
         AND severity = ? AND target = ? AND target_ms = ? AND state = ? AND due_day = ? AND n = 0`,
    );
    for (const d of this.deltas.values()) {
      if (d.n === 0 && d.handled === 0 && d.handlingMs === 0) continue;
      upsert.run(d.kind, d.day, d.metric, d.policyId, d.policyVersion, d.severity, d.target, d.targetMs, d.state, d.dueDay, d.n, d.handled, d.handlingMs);
      if (d.n < 0) emptied.run(d.kind, d.day, d.metric, d.policyId, d.policyVersion, d.severity, d.target, d.targetMs, d.state, d.dueDay);
    }
    this.deltas.clear();
  }
}
