import type { TenantScope } from './tenant-scope.ts';

/**
 * `table.column: what is missing`, for every in-scope column whose data an archive cannot hold in full
 * (BackupDialect.columnGap): a backup warns with them, and a restore lists them among its notes, so a tenant is
 * never taken for whole when part of its data lives outside its rows.
 */
export function columnGaps(scope: Pick<TenantScope, 'dialect' | 'schema' | 'plan'>): string[] {
  const gap = scope.dialect.columnGap;
  if (!gap) return [];
  const out: string[] = [];
  for (const e of scope.plan.entries)
    for (const c of scope.schema.get(e.table)?.columns ?? []) {
      const why = c.generated ? null : gap(c);
      if (why) out.push(`${e.table}.${c.name} ${why}`);
    }
  return out;
}
