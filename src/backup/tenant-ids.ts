import type { Queryable } from '../db/index.ts';
import type { TenantScope } from './tenant-scope.ts';

/** Every tenant id in the tenant table, as text, in the key's order. */
export async function tenantIds(q: Queryable, scope: TenantScope): Promise<string[]> {
  const d = scope.dialect;
  const { table, key } = scope.plan.tenant;
  const col = scope.schema.get(table)!.columns.find((c) => c.name === key)!;
  const rows = await q.query(
    `SELECT ${d.idText?.(col) ?? d.quote(key)} AS k FROM ${d.from(table)} ORDER BY ${d.quote(key)}`,
  );
  return rows.map((r) => String(r.k));
}
