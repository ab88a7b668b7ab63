import type Database from 'better-sqlite3';
import type { TableNames } from '../projection';
import { prepared } from '../statements';

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
    this.add(
      {
        kind: 'clock',
        day: row.reported_at.slice(0, 10),
        metric: row.metric,
        policyId: row.policy_id,
        policyVersion: row.policy_version,
        severity: row.severity,
        target: row.target,
        targetMs: 0,
        state,
        dueDay: state === 'open' ? row.due_at.slice(0, 10) : '',
      },
      sign,
      0,
    );
  }

  alarm(row: AlarmCountRow, sign: 1 | -1): void {
    this.add(
      {
        kind: 'alarm',
        day: row.reported_at.slice(0, 10),
        metric: row.metric,
        policyId: row.policy_id,
        policyVersion: row.policy_version,
        severity: row.severity,
        target: '',
        targetMs: 0,
        state: row.type,
        dueDay: '',
      },
      sign,
      0,
    );
  }

  consultation(row: ConsultationCountRow, sign: 1 | -1): void {
    this.add(
      {
        kind: 'consultation',
        day: row.reported_at.slice(0, 10),
        metric: 'consultationAverage',
        policyId: row.policy_id,
        policyVersion: row.policy_version,
        severity: row.severity,
        target: row.target,
        targetMs: row.target_ms,
        state: '',
        dueDay: '',
      },
      sign,
      row.handling_ms,
    );
  }

  private add(key: CountKey, sign: 1 | -1, handlingMs: number | null): void {
    const id = `${key.kind}\u0000${key.day}\u0000${key.metric}\u0000${key.policyId}\u0000${key.policyVersion}\u0000${key.severity}\u0000${key.target}\u0000${key.targetMs}\u0000${key.state}\u0000${key.dueDay}`;
    let delta = this.deltas.get(id);
    if (!delta) this.deltas.set(id, (delta = { ...key, n: 0, handled: 0, handlingMs: 0 }));
    delta.n += sign;
    if (handlingMs !== null) {
      delta.handled += sign;
      delta.handlingMs += sign * handlingMs;
    }
  }

  /** Adds the batch's changes to `sla_counts`, deleting the counts that fell to 0. */
  flush(db: Database.Database, t: TableNames): void {
    const upsert = prepared(
      db,
      `INSERT INTO ${t('sla_counts')} VALUES (@kind, @day, @metric, @policyId, @policyVersion, @severity, @target, @targetMs, @state, @dueDay, @n, @handled, @handlingMs)
         ON CONFLICT DO UPDATE SET n = n + excluded.n, handled = handled + excluded.handled, handling_ms = handling_ms + excluded.handling_ms`,
    );
    const emptied = prepared(
      db,
      `DELETE FROM ${t('sla_counts')} WHERE kind = @kind AND day = @day AND metric = @metric AND policy_id = @policyId AND policy_version = @policyVersion
         AND severity = @severity AND target = @target AND target_ms = @targetMs AND state = @state AND due_day = @dueDay AND n = 0`,
    );
    for (const delta of this.deltas.values()) {
      if (delta.n === 0 && delta.handled === 0 && delta.handlingMs === 0) continue;
      upsert.run(delta);
      if (delta.n < 0) emptied.run(delta);
    }
    this.deltas.clear();
  }
}
