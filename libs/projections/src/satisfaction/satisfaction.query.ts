import type Database from 'better-sqlite3';
import type { TableNames } from '../projection';
import { groupKeySql, ratio, whereSql, type ViewFilter } from '../views/view-query';

export const SATISFACTION_KINDS = ['consultation', 'onsite', 'product'] as const;
export type SatisfactionTargets = Record<(typeof SATISFACTION_KINDS)[number], number>;

/** A rating of 4 or 5 is satisfied. */
export const SATISFIED_FROM = 4;

export interface KindFigures {
  readonly rated: number;
  readonly satisfied: number;
  readonly rate: number | null;
  readonly target: number;
  /** rate >= target; null while nothing is rated. */
  readonly met: boolean | null;
}

export interface SatisfactionGroup {
  readonly key: string;
  readonly kinds: Record<(typeof SATISFACTION_KINDS)[number], KindFigures>;
  /** Follow-up visits: restored tickets of the group and how many of them were revisited. */
  readonly revisits: { readonly restored: number; readonly revisited: number; readonly rate: number | null };
}

export interface SatisfactionView {
  readonly from: string | null;
  readonly to: string | null;
  readonly groupBy: string | null;
  readonly groups: SatisfactionGroup[];
  /** The revisit rate per month of report, whatever the grouping. */
  readonly revisitRateByMonth: Array<{ month: string; restored: number; revisited: number; rate: number | null }>;
}

export function querySatisfaction(db: Database.Database, t: TableNames, filter: ViewFilter, targets: SatisfactionTargets): SatisfactionView {
  const table = t('satisfaction_tickets');
  const where = whereSql(filter);
  const kindColumns = SATISFACTION_KINDS.map(
    (kind) => `count(${kind}_score) AS ${kind}_rated, sum(CASE WHEN ${kind}_score >= ${SATISFIED_FROM} THEN 1 ELSE 0 END) AS ${kind}_satisfied`,
  ).join(', ');
  const rows = db
    .prepare(
      `SELECT ${groupKeySql(filter.groupBy, 'reported_at', filter.network)} AS key, ${kindColumns},
              count(restored_at) AS restored, sum(CASE WHEN restored_at IS NOT NULL AND revisits > 0 THEN 1 ELSE 0 END) AS revisited
         FROM ${table} ${where.sql} GROUP BY key ORDER BY key`,
    )
    .all(where.params) as Array<Record<string, number | string>>;
  const groups = rows.map((row) => ({
    key: String(row.key),
    kinds: Object.fromEntries(
      SATISFACTION_KINDS.map((kind) => {
        const rated = Number(row[`${kind}_rated`]);
        const satisfied = Number(row[`${kind}_satisfied`] ?? 0);
        const rate = ratio(satisfied, rated);
        return [kind, { rated, satisfied, rate, target: targets[kind], met: rate === null ? null : rate >= targets[kind] }];
      }),
    ) as SatisfactionGroup['kinds'],
    revisits: { restored: Number(row.restored), revisited: Number(row.revisited ?? 0), rate: ratio(Number(row.revisited ?? 0), Number(row.restored)) },
  }));
  const months = db
    .prepare(
      `SELECT strftime('%Y-%m', reported_at) AS month, count(restored_at) AS restored,
              sum(CASE WHEN restored_at IS NOT NULL AND revisits > 0 THEN 1 ELSE 0 END) AS revisited
         FROM ${table} ${where.sql} GROUP BY month ORDER BY month`,
    )
    .all(where.params) as Array<{ month: string; restored: number; revisited: number | null }>;
  return {
    from: filter.from ?? null,
    to: filter.to ?? null,
    groupBy: filter.groupBy ?? null,
    groups: groups.length > 0 || filter.groupBy ? groups : [emptyGroup(targets)],
    revisitRateByMonth: months.map((m) => ({ month: m.month, restored: m.restored, revisited: m.revisited ?? 0, rate: ratio(m.revisited ?? 0, m.restored) })),
  };
}

function emptyGroup(targets: SatisfactionTargets): SatisfactionGroup {
  return {
    key: 'all',
    kinds: Object.fromEntries(SATISFACTION_KINDS.map((kind) => [kind, { rated: 0, satisfied: 0, rate: null, target: targets[kind], met: null }])) as SatisfactionGroup['kinds'],
    revisits: { restored: 0, revisited: 0, rate: null },
  };
}
