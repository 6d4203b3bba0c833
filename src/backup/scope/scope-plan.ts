/** Placeholder for the tenant id inside predicates; `bindTenant` turns each into a bound parameter. */
export const TENANT = '\u0000TENANT\u0000';

export type Reach = 'tenant-table' | 'tenant-column' | 'foreign-key' | 'relation' | 'preset' | 'where';

/** A reference from `from.columns` to `to.refColumns`: declared, configured, or known to a preset. */
export interface Edge {
  from: string;
  columns: string[];
  to: string;
  refColumns: string[];
  source: 'foreign-key' | 'relation' | 'preset';
  /** PostgreSQL: the partitioned table the FK names, when `to` is one of its partitions. */
  partitionOf?: string;
}

export interface ScopeEntry {
  table: string;
  how: Reach;
  /** Human-readable reason, e.g. `tenant_id = :tenant` or `entity_id → social_post.id`. */
  detail: string;
  /** SQL boolean expression selecting the tenant's rows of this table; contains TENANT placeholders. */
  predicate: string;
  /** For a table with several parents: the rows reached from the tenant at all; those not in `predicate` are shared. */
  reach?: string;
  /** Tables the predicate reads; they come earlier in the plan. */
  dependsOn: string[];
  /** Columns of this table the predicate filters on (for the missing-index report). */
  scopeColumns: string[];
  /** Parent tables when reached through more than one. */
  parents: string[];
  /**
   * The one reference the predicate follows when it is exactly `columns IN (SELECT refColumns FROM parents[0] …)`:
   * a dialect may then read the rows from the parent's keys instead (scopedSource).
   */
  via?: { columns: string[]; refColumns: string[] };
}

export interface ScopePlan {
  tenant: { table: string; key: string; column: string };
  /** Dependency order: a table's predicate only reads tables before it. Delete in reverse. */
  entries: ScopeEntry[];
  outOfScope: { table: string; reason: string }[];
  /** References from in-scope rows to tables outside the scope (shared rows). */
  external: Edge[];
  /** References between in-scope tables, checked after a restore. */
  internal: Edge[];
  /** References from tables outside the scope into in-scope tables: rows that are never the tenant's. */
  incoming: Edge[];
  warnings: string[];
}

export function bindTenant(
  sql: string,
  tenantId: string,
  param: (i: number) => string,
  first = 1,
): { sql: string; params: string[] } {
  const params: string[] = [];
  const out = sql.split(TENANT).reduce((acc, part, i) => {
    if (i === 0) return part;
    params.push(tenantId);
    return acc + param(first + params.length - 1) + part;
  }, '');
  return { sql: out, params };
}
