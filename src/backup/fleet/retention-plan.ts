import type { ArchiveEntry } from './list-archives.ts';

export interface RetentionRules {
  /** The N newest archives of each tenant. */
  keepLast: number;
  /** The newest archive of each of the D most recent UTC days that have one. */
  keepDaily: number;
  /** The newest archive of each of the W most recent ISO weeks (UTC, Monday first) that have one. */
  keepWeekly: number;
}

export interface RetentionDecision {
  archive: ArchiveEntry;
  /** Why it is kept ('last', 'daily', 'weekly', 'newest'); empty for an archive to delete. */
  reasons: string[];
}

export interface RetentionPlan {
  keep: RetentionDecision[];
  delete: RetentionDecision[];
  /** Archives known to be unusable (ArchiveEntry.problem): they count for no rule and are not deleted. */
  damaged: ArchiveEntry[];
}

/**
 * Archives that count together for the rules: one tenant of one database. Staging and production backed up into one
 * directory both have a tenant 1; counted as one tenant, a week of staging's nightly archives made all of
 * production's older ones "beyond --keep-last 7" and deleted them, its newest included. Archives whose database is
 * unknown (encrypted, outside any index, read without the key) count apart: nothing of theirs is weighed against
 * another database's.
 */
export function retentionKey(a: ArchiveEntry): string {
  return `${a.database ?? ''}\n${a.tenant}`;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** ISO 8601 week of a UTC date, e.g. 2025-W09 (the week belongs to the year of its Thursday). */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const jan1 = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - jan1) / 86400000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Keeps the newest archive of each of the `n` most recent buckets (newest-first input). */
function keepPerBucket(
  newestFirst: ArchiveEntry[],
  n: number,
  bucket: (d: Date) => string,
  reason: string,
  keep: Map<ArchiveEntry, string[]>,
) {
  const buckets = new Set<string>();
  for (const a of newestFirst) {
    if (buckets.size >= n) break;
    const b = bucket(a.takenAt);
    if (buckets.has(b)) continue;
    buckets.add(b);
    keep.get(a)!.push(reason);
  }
}

/**
 * Which archives a prune keeps and deletes, per tenant of each database (retentionKey), as restic's `forget` counts:
 * the last N, then the newest of each of the last D days and W weeks that have an archive. The newest archive of a
 * tenant (of each database) is always kept, whatever the rules say. A damaged archive is left out: kept by no rule,
 * not the newest that protects the rest, and not deleted (prune deletes by age, not by state). Pure: the same list
 * and rules give the same plan, printed before anything is deleted.
 */
export function retentionPlan(archives: readonly ArchiveEntry[], rules: RetentionRules): RetentionPlan {
  const byTenant = new Map<string, ArchiveEntry[]>();
  const plan: RetentionPlan = { keep: [], delete: [], damaged: [] };
  for (const a of archives)
    if (a.problem) plan.damaged.push(a);
    else byTenant.set(retentionKey(a), [...(byTenant.get(retentionKey(a)) ?? []), a]);
  for (const list of byTenant.values()) {
    const newestFirst = [...list].sort(
      (a, b) => b.takenAt.getTime() - a.takenAt.getTime() || b.file.localeCompare(a.file),
    );
    const reasons = new Map(newestFirst.map((a) => [a, [] as string[]]));
    newestFirst.slice(0, rules.keepLast).forEach((a) => reasons.get(a)!.push('last'));
    keepPerBucket(newestFirst, rules.keepDaily, day, 'daily', reasons);
    keepPerBucket(newestFirst, rules.keepWeekly, isoWeek, 'weekly', reasons);
    if (newestFirst[0]) reasons.get(newestFirst[0])!.push('newest');
    for (const a of [...newestFirst].reverse()) {
      const r = reasons.get(a)!;
      (r.length ? plan.keep : plan.delete).push({ archive: a, reasons: [...new Set(r)] });
    }
  }
  return plan;
}
