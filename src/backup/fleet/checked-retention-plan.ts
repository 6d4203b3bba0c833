import type { BackupStore } from '../storage/backup-store.ts';
import type { ArchiveEntry } from './list-archives.ts';
import { objectSha256 } from './object-sha256.ts';
import { retentionKey, retentionPlan, type RetentionPlan, type RetentionRules } from './retention-plan.ts';

/**
 * The retention plan prune carries out: before any archive of a tenant is deleted on the strength of newer ones,
 * the tenant's newest is read back and hashed against its run index (the listing compares sizes only). A newest
 * archive whose bytes changed (a flipped bit, a file replaced at the same size) is marked damaged and the plan is
 * made again without it, so its next newest is the one kept and checked: prune never leaves a tenant with only
 * damaged archives. Archives not in an index were verified when listed; encrypted ones read without the key cannot
 * be checked and count as they are. Costs one read of the newest archive of each tenant that loses an archive.
 */
export async function checkedRetentionPlan(
  store: BackupStore,
  archives: readonly ArchiveEntry[],
  rules: RetentionRules,
): Promise<RetentionPlan> {
  const list = archives.map((a) => ({ ...a }));
  const checked = new Set<string>();
  for (;;) {
    const plan = retentionPlan(list, rules);
    const losing = new Set(plan.delete.map((d) => retentionKey(d.archive)));
    const toCheck = plan.keep
      .filter(
        (k) => k.reasons.includes('newest') && losing.has(retentionKey(k.archive)) && !checked.has(k.archive.file),
      )
      .map((k) => k.archive);
    let found = false;
    for (const a of toCheck) {
      checked.add(a.file);
      if (!a.sha256) continue;
      const got = await objectSha256(store, a.file);
      if (got.sha256 === a.sha256) continue;
      a.problem = 'its SHA-256 is not the one its run index recorded';
      found = true;
    }
    if (!found) return plan;
  }
}
