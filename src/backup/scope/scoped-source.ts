import type { BackupDialect } from '../dialect/backup-dialect.ts';
import type { SchemaInfo } from '../schema-info.ts';
import { bindTenant, type ScopeEntry, type ScopePlan } from './scope-plan.ts';

/** `SELECT … FROM ${from} WHERE ${where}` reads one tenant's rows of a scope table; `params` bind both, in order. */
export interface ScopedSource {
  from: string;
  where: string;
  params: string[];
}

/**
 * Where a tenant's rows of a scope table are read from, the tenant id bound (placeholders numbered from `first`).
 * A table scoped through one reference to one parent is, where the dialect's `parentFirst` offers it, a join from the parent's
 * distinct keys, level by level up to a root: the same rows as its predicate `cols IN (SELECT keys FROM parent
 * WHERE …)` (DISTINCT keeps each row once when the keys repeat; a NULL matches nothing in either form), with a plan
 * that starts from the tenant's rows. Every other table reads through its predicate, and so does a locking read
 * (`lock`, the restore's FOR UPDATE), whose row and gap locks are those of the predicate's plan.
 */
export function scopedSource(
  scope: { dialect: BackupDialect; schema: SchemaInfo; plan: ScopePlan },
  entry: ScopeEntry,
  tenantId: string,
  { first = 1, lock = false }: { first?: number; lock?: boolean } = {},
): ScopedSource {
  const d = scope.dialect;
  const t = lock ? { from: d.from(entry.table), where: entry.predicate } : sourceOf(scope, entry, 0);
  const from = bindTenant(t.from, tenantId, d.param, first);
  const where = bindTenant(t.where, tenantId, d.param, first + from.params.length);
  return { from: from.sql, where: where.sql, params: [...from.params, ...where.params] };
}

function sourceOf(
  scope: { dialect: BackupDialect; schema: SchemaInfo; plan: ScopePlan },
  e: ScopeEntry,
  depth: number,
): { from: string; where: string } {
  const d = scope.dialect;
  const parent = e.via && e.parents.length === 1 ? scope.plan.entries.find((x) => x.table === e.parents[0]) : null;
  if (!d.parentFirst || !e.via || !parent) return { from: d.from(e.table), where: e.predicate };
  const p = sourceOf(scope, parent, depth + 1);
  // One alias per level, so that no key column of a nested level can be taken for another's.
  const alias = `tenantops_k${depth}`;
  const key = (i: number) => d.quote(`${alias}_${i}`);
  const keys = e.via.refColumns.map((c, i) => `${d.quote(parent.table)}.${d.quote(c)} AS ${key(i)}`).join(', ');
  const on = e.via.columns.map((c, i) => `${d.quote(alias)}.${key(i)} = ${d.quote(e.table)}.${d.quote(c)}`);
  const from = d.parentFirst(
    `(SELECT DISTINCT ${keys} FROM ${p.from} WHERE ${p.where})`,
    alias,
    scope.schema.get(e.table)!,
    e.via.columns,
    on.join(' AND '),
  );
  return from === null ? { from: d.from(e.table), where: e.predicate } : { from, where: 'TRUE' };
}
