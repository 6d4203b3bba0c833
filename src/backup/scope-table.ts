import type { DbSession } from '../db/index.ts';
import { dataColumns, fingerprint, type TableHead } from './archive/manifest.ts';
import { selectFrom } from './dump-table.ts';
import { bindTenant, type Edge, type ScopeEntry } from './scope/scope-plan.ts';
import { scopedSource } from './scope/scoped-source.ts';
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
    query: selectFrom(scope.dialect, info, columns, scopedSource(scope, e, tenantId), { hash }),
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
  const src = scopedSource(scope, entry, tenantId);
  // Qualified: the source may join the parent's keys.
  const keyCols = edge.columns.map((c) => `${d.quote(edge.from)}.${d.quote(c)}`);
  const notNull = keyCols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  const rows = await s.query(
    `SELECT DISTINCT ${keyCols.map((c, i) => `${c} AS ${d.quote(edge.columns[i]!)}`).join(', ')} FROM ${src.from} WHERE ${src.where} AND ${notNull} ORDER BY ${keyCols.join(', ')}`,
    src.params,
  );
  return {
    keys: rows.map((k) => edge.columns.map((c) => String(k[c]))),
    bound: bindTenant(entry.predicate, tenantId, d.param),
    cols: edge.columns.map(d.quote).join(', '),
  };
}
