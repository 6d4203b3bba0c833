import type { DbSession } from '../db/index.ts';
import type { ScopeEntry } from './scope/scope-plan.ts';
import { scopedSource } from './scope/scoped-source.ts';
import type { TenantScope } from './tenant-scope.ts';

// Scalar subqueries per statement: one round trip for a typical schema, statements of bounded size for any.
const PER_QUERY = 64;

/**
 * The tenant's row count of each of these scope entries, in order, in the session's snapshot: one statement of
 * scalar subqueries (`SELECT (SELECT COUNT(*) …) AS c0, …`) instead of a statement per table. The server does the
 * same work; what goes is a round trip and a parse per table, which for the small tenants of a fleet cost as much
 * as reading their rows.
 */
export async function tenantCounts(
  s: DbSession,
  scope: TenantScope,
  entries: readonly ScopeEntry[],
  tenantId: string,
): Promise<number[]> {
  const d = scope.dialect;
  const out: number[] = [];
  for (let i = 0; i < entries.length; i += PER_QUERY) {
    const part = entries.slice(i, i + PER_QUERY);
    const params: unknown[] = [];
    const cols = part.map((e, j) => {
      const src = scopedSource(scope, e, tenantId, { first: params.length + 1 });
      params.push(...src.params);
      return `(SELECT COUNT(*) FROM ${src.from} WHERE ${src.where}) AS ${d.quote(`c${j}`)}`;
    });
    const row = (await s.query(`SELECT ${cols.join(', ')}`, params))[0]!;
    part.forEach((_, j) => out.push(Number(row[`c${j}`])));
  }
  return out;
}
