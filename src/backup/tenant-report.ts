import type { Queryable } from '../db/index.ts';
import { bindTenant, type ScopeEntry } from './scope/scope-plan.ts';
import type { TenantScope } from './tenant-scope.ts';

export async function countRows(q: Queryable, scope: TenantScope, e: ScopeEntry, tenantId: string): Promise<number> {
  const d = scope.dialect;
  const b = bindTenant(e.predicate, tenantId, d.param);
  const r = await q.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${d.from(e.table)} WHERE ${b.sql}`,
    b.params,
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

/** Rows reached through one parent whose other parent reference points outside the tenant. */
export async function crossTenantRows(
  q: Queryable,
  scope: TenantScope,
  e: ScopeEntry,
  tenantId: string,
): Promise<number> {
  if (e.parents.length < 2) return 0;
  const d = scope.dialect;
  let total = 0;
  for (const edge of scope.plan.internal.filter((x) => x.from === e.table)) {
    const parent = scope.plan.entries.find((x) => x.table === edge.to)!;
    const mine = bindTenant(e.predicate, tenantId, d.param);
    const theirs = bindTenant(parent.predicate, tenantId, d.param, mine.params.length + 1);
    const col = d.quote(edge.columns[0]!);
    const r = await q.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ${d.from(e.table)} WHERE ${mine.sql} AND ${col} IS NOT NULL AND ${col} NOT IN (SELECT ${d.quote(edge.refColumns[0]!)} FROM ${d.from(edge.to)} WHERE ${theirs.sql})`,
      [...mine.params, ...theirs.params],
    );
    total += Number(r[0]!.n);
  }
  return total;
}
