import type { DbSession } from '../db/index.ts';
import { dataColumns, fingerprint, type TableHead } from './archive/manifest.ts';
import { scopedSelect } from './dump-table.ts';
import { bindTenant, type Edge, type ScopeEntry } from './scope/scope-plan.ts';
import type { TenantScope } from './tenant-scope.ts';

/**
 * A scope table as a backup records it (its manifest head, `rows` given by the caller) and the query that reads the
 * tenant's rows, with each row's server hash unless `hash` is false (the digest is then taken apart, by
 * serverDigest): one definition for a backup to a file and a copy from a database.
 */
export function scopeTable(
  scope: TenantScope,
  e: ScopeEntry,
  index: number,
  tenantId: string,
  rows: number,
  hash = true,
): { head: TableHead; query: { sql: string; params: readonly unknown[] } } {
  const info = scope.schema.get(e.table)!;
  const columns = dataColumns(info);
  return {
    head: {
      index,
      name: e.table,
      role: 'scope',
      how: e.how,
      detail: e.detail,
      columns,
      fingerprint: fingerprint(info, columns),
      rows,
    },
    query: scopedSelect(scope.dialect, info, columns, e.predicate, tenantId, { hash }),
  };
}

/**
 * The keys of the shared rows (outside the tenant) that the tenant's rows reference through `edge`, sorted: what a
 * target must already hold before the tenant can be restored there. Also returns the bound tenant predicate and
 * the quoted key columns, which a backup with --include-parents reuses to read those rows.
 */
export async function externalKeys(
  s: DbSession,
  scope: TenantScope,
  edge: Edge,
  tenantId: string,
): Promise<{ keys: string[][]; bound: { sql: string; params: unknown[] }; cols: string }> {
  const d = scope.dialect;
  const entry = scope.plan.entries.find((x) => x.table === edge.from)!;
  const bound = bindTenant(entry.predicate, tenantId, d.param);
  const cols = edge.columns.map(d.quote).join(', ');
  const notNull = edge.columns.map((c) => `${d.quote(c)} IS NOT NULL`).join(' AND ');
  const rows = await s.query(
    `SELECT DISTINCT ${cols} FROM ${d.from(edge.from)} WHERE ${bound.sql} AND ${notNull} ORDER BY ${cols}`,
    bound.params,
  );
  return { keys: rows.map((k) => edge.columns.map((c) => String(k[c]))), bound, cols };
}
