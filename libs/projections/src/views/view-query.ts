/**
 * What the analyst views share: the period, the grouping and the filters, turned into SQL with
 * every value bound as a parameter. Group keys and column names come from fixed lists only.
 */
export const GROUP_BYS = ['day', 'week', 'month', 'policy', 'severity', 'customer', 'engineer', 'serviceUnit', 'assetKind'] as const;
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
  /** The ticket's unit now (its report's, or its latest assignment's); with `rollUp`, the unit or any unit under it. */
  readonly serviceUnitId?: string;
  /** The kind of the ticket's asset. */
  readonly assetKind?: string;
  /** With `serviceUnitId`: count a unit's descendants' tickets under it too. */
  readonly rollUp?: boolean;
  /** The service-network tables: needed by `serviceUnit` and `assetKind`, as grouping or filter. */
  readonly network?: NetworkTables;
}

/** The physical names of the service network's tables a view looks tickets up in. */
export interface NetworkTables {
  readonly tickets: string;
  readonly paths: string;
}

/** Whether a filter reads the service network's tables. */
export function needsNetwork(filter: Pick<ViewFilter, 'groupBy' | 'serviceUnitId' | 'assetKind'>): boolean {
  return filter.groupBy === 'serviceUnit' || filter.groupBy === 'assetKind' || filter.serviceUnitId !== undefined || filter.assetKind !== undefined;
}

function networkOf(network: NetworkTables | undefined): NetworkTables {
  if (!network) throw new Error('a grouping or filter by service unit or asset kind needs the service-network tables');
  return network;
}

/** A column of the ticket's network row, looked up by the outer table's `ticket_id`. */
function networkColumn(network: NetworkTables | undefined, column: 'service_unit_id' | 'asset_kind'): string {
  return `coalesce((SELECT ${column} FROM ${networkOf(network).tickets} WHERE nt_ticket_id = ticket_id), '(none)')`;
}

/**
 * The SQL expression of a group key over a table with the usual columns; `'all'` without grouping.
 * `reportedAt` names the column holding the report time (or its day) for the period keys.
 */
export function groupKeySql(groupBy: GroupBy | undefined, reportedAt = 'reported_at', network?: NetworkTables): string {
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
    case 'serviceUnit':
      return networkColumn(network, 'service_unit_id');
    case 'assetKind':
      return networkColumn(network, 'asset_kind');
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
  if (filter.serviceUnitId !== undefined) {
    const n = networkOf(filter.network);
    const units = filter.rollUp ? `IN (SELECT unit_id FROM ${n.paths} WHERE ancestor_id = @serviceUnitId)` : '= @serviceUnitId';
    add(`ticket_id IN (SELECT nt_ticket_id FROM ${n.tickets} WHERE service_unit_id ${units})`, 'serviceUnitId', filter.serviceUnitId);
  }
  if (filter.assetKind !== undefined) {
    add(`ticket_id IN (SELECT nt_ticket_id FROM ${networkOf(filter.network).tickets} WHERE asset_kind = @assetKind)`, 'assetKind', filter.assetKind);
  }
  return { sql: `WHERE ${clauses.join(' AND ')}`, params };
}

/** A ratio rounded to 4 decimals, or null when there is nothing to divide by. */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10000) / 10000;
}
