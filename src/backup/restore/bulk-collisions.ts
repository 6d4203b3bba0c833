import type { DbSession } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { takesBulkLoad } from './apply-plan.ts';
import { checkCollisions, type ProbeSelection } from './restore-checks.ts';
import type { RestorePlan } from './restore-plan.ts';

const SAVEPOINT = 'tenantops_apply';

/**
 * The tables whose inserts a real restore leaves to the bulk load's own unique check instead of probing them first:
 * those probes sent every row of a deleted tenant to the server once per unique index, then the load looked up the
 * same keys again (docs/performance.md, "Full restore"). Not where a unique key is DEFERRABLE (a duplicate would
 * fail only at COMMIT, past the rollback below), and not in a dry run, which writes nothing and must still report.
 */
export function bulkCheckedTables(
  scope: TenantScope,
  plan: RestorePlan,
  how: { dryRun: boolean; bulkMinRows?: number },
): ProbeSelection {
  const deferred = new Set<string>();
  if (!how.dryRun)
    for (const t of plan.tables) {
      const info = scope.schema.get(t.table)!;
      if (takesBulkLoad(info, t, how.bulkMinRows) && !info.deferrableUnique) deferred.add(t.table);
    }
  return { deferred, stage: 'before-write' };
}

/**
 * Runs the apply so that a collision the deferred probes would have found still ends as it did when they ran
 * before writing: on any failure of the apply, roll back to before its first write, probe the deferred inserts
 * against the rows as they were, and throw their report (TENANTOPS_E_KEY_COLLISION with the colliding rows) in
 * place of the server's error (restoreInTransaction then removes the safety backup, as after any failure before
 * COMMIT). Any other failure is rethrown as it was.
 */
export async function applyWithDeferredProbes(
  s: DbSession,
  scope: TenantScope,
  plan: RestorePlan,
  sel: ProbeSelection,
  apply: () => Promise<void>,
): Promise<void> {
  if (!sel.deferred.size) return apply();
  await s.execute(`SAVEPOINT ${SAVEPOINT}`);
  try {
    await apply();
  } catch (e) {
    try {
      await s.execute(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    } catch {
      throw e; // The connection is gone: the transaction rolls back whole; the server's error says why.
    }
    const found = await checkCollisions(s, scope, plan, { deferred: sel.deferred, stage: 'after-failure' }).then(
      () => null,
      (c: unknown) => (c instanceof TenantopsError && c.code === 'TENANTOPS_E_KEY_COLLISION' ? c : null),
    );
    throw found ?? e;
  }
}
