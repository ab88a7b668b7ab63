import type Database from 'better-sqlite3';
import { localDate, scheduleStatus, type ScheduleKind } from '@app/ticketing';
import type { TableNames } from '../projection';

export interface ScheduleFilter {
  /** Local dates: entries due on or after `from` and before `to`. */
  readonly from: string;
  readonly to: string;
  readonly customerId?: string;
  readonly kind?: ScheduleKind;
}

export interface ScheduleRow {
  readonly assetId: string;
  readonly customerId: string;
  readonly kind: ScheduleKind;
  readonly type: string;
  readonly dueOn: string;
  readonly at: string;
  readonly status: 'due' | 'done' | 'overdue';
  /** Whether the event is in the asset's stream (false: still to come, or owed and about to be appended). */
  readonly received: boolean;
  readonly deadline: string | null;
  readonly ticketId: string | null;
  readonly detail: Record<string, unknown>;
}

/** What falls due in a period, in date order, each with its status on `now` in its asset's zone. */
export function querySchedule(db: Database.Database, t: TableNames, filter: ScheduleFilter, page: { limit: number; offset: number }, now: string) {
  const clauses = ['due_on >= @from', 'due_on < @to'];
  const params: Record<string, unknown> = { from: filter.from, to: filter.to };
  if (filter.customerId) {
    clauses.push('customer_id = @customerId');
    params.customerId = filter.customerId;
  }
  if (filter.kind) {
    clauses.push('kind = @kind');
    params.kind = filter.kind;
  }
  const where = clauses.join(' AND ');
  const total = (db.prepare(`SELECT count(*) AS n FROM ${t('schedule_items')} WHERE ${where}`).get(params) as { n: number }).n;
  const rows = db
    .prepare(`SELECT * FROM ${t('schedule_items')} WHERE ${where} ORDER BY due_on, asset_id, seq LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit: page.limit, offset: page.offset }) as Array<Record<string, string | number | null>>;
  const today = new Map<string, string>();
  const items: ScheduleRow[] = rows.map((row) => {
    const zone = String(row.time_zone);
    if (!today.has(zone)) today.set(zone, localDate(now, zone));
    const kind = row.kind as ScheduleKind;
    const deadline = row.deadline === null ? null : String(row.deadline);
    return {
      assetId: String(row.asset_id),
      customerId: String(row.customer_id),
      kind,
      type: String(row.type),
      dueOn: String(row.due_on),
      at: String(row.at),
      status: scheduleStatus({ kind, done: row.done === 1, deadline }, today.get(zone)!),
      received: row.received === 1,
      deadline,
      ticketId: row.ticket_id === null ? null : String(row.ticket_id),
      detail: JSON.parse(String(row.detail)) as Record<string, unknown>,
    };
  });
  return { total, items };
}
