/**
 * What the analyst views share: the period, the grouping and the filters, turned into SQL with
 * every value bound as a parameter. Group keys and column names come from fixed lists only.
 */
export const GROUP_BYS = ['day', 'week', 'month', 'policy', 'severity', 'customer', 'engineer'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export interface ViewFilter {
  /** Inclusive, ISO 8601 instant. */
  readonly from?: string;
  /** Exclusive, ISO 8601 instant. */
  readonly to?: string;
  readonly groupBy?: GroupBy;
  readonly policyId?: string;
  readonly severity?: string;
  readonly customerId?: string;
  readonly engineerId?: string;
}

/**
 * The SQL expression of a group key over a table with the usual columns; `'all'` without grouping.
 * `reportedAt` names the column holding the report time (or its day) for the period keys.
 */
export function groupKeySql(groupBy: GroupBy | undefined, reportedAt = 'reported_at'): string {
  switch (groupBy) {
    case undefined:
      return "'all'";
    case 'day':
      return `strftime('%Y-%m-%d', ${reportedAt})`;
    case 'week':
      return `strftime('%G-W%V', ${reportedAt})`;
    case 'month':
      return `strftime('%Y-%m', ${reportedAt})`;
    case 'policy':
      return "policy_id || '@' || policy_version";
    case 'severity':
      return 'severity';
    case 'customer':
      return 'customer_id';
    case 'engineer':
      return "coalesce(engineer_id, '(none)')";
    default: {
      const _never: never = groupBy;
      throw new Error(`unknown groupBy ${String(_never)}`);
    }
  }
}

/** The WHERE clause (starting with `WHERE 1=1`) and its parameters. */
export function whereSql(filter: ViewFilter): { sql: string; params: Record<string, string> } {
  const clauses = ['1=1'];
  const params: Record<string, string> = {};
  const add = (clause: string, name: string, value: string | undefined) => {
    if (value === undefined) return;
    clauses.push(clause);
    params[name] = value;
  };
  add('reported_at >= @from', 'from', filter.from);
  add('reported_at < @to', 'to', filter.to);
  add('policy_id = @policyId', 'policyId', filter.policyId);
  add('severity = @severity', 'severity', filter.severity);
  add('customer_id = @customerId', 'customerId', filter.customerId);
  add('engineer_id = @engineerId', 'engineerId', filter.engineerId);
  return { sql: `WHERE ${clauses.join(' AND ')}`, params };
}

/** A ratio rounded to 4 decimals, or null when there is nothing to divide by. */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10000) / 10000;
}
