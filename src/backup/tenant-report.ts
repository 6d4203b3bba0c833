import type { Queryable } from '../db/index.ts';
import { bindTenant, type ScopeEntry } from './scope/scope-plan.ts';
import { scopedSource } from './scope/scoped-source.ts';
import type { TenantScope } from './tenant-scope.ts';

export async function countRows(q: Queryable, scope: TenantScope, e: ScopeEntry, tenantId: string): Promise<number> {
  const src = scopedSource(scope, e, tenantId);
  const r = await q.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${src.from} WHERE ${src.where}`,
    src.params,
  );
  return Number(r[0]!.n);
}

/** Columns the scope filters on that lead no index: every backup and restore scans those tables. */
export function missingIndexes(scope: TenantScope): { table: string; columns: string[] }[] {
  const out: { table: string; columns: string[] }[] = [];
  for (const e of scope.plan.entries) {
    const info = scope.schema.get(e.table)!;
    const cols = e.scopeColumns.filter((c) => !info.indexes.some((ix) => ix[0] === c));
    if (cols.length) out.push({ table: e.table, columns: cols });
  }
  return out;
}

/**
 * Rows of a table with several parents that the tenant reaches but does not own, because another parent of theirs
 * belongs to another tenant: shared rows, which no backup holds and no restore touches.
 */
export async function sharedRows(q: Queryable, scope: TenantScope, e: ScopeEntry, tenantId: string): Promise<number> {
  if (!e.reach) return 0;
  const d = scope.dialect;
  const b = bindTenant(`(${e.reach}) AND NOT COALESCE((${e.predicate}), FALSE)`, tenantId, d.param);
  const r = await q.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${d.from(e.table)} WHERE ${b.sql}`,
    b.params,
  );
  return Number(r[0]!.n);
}
