import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { verifyArchive } from '../verify-archive.ts';
import { fileSafeTenant, parseArchiveFileName } from './archive-name.ts';
import { runIndexes } from './run-index.ts';

/** One tenant archive found in a backup directory. */
export interface ArchiveEntry {
  file: string;
  path: string;
  tenant: string;
  /** When the tenant's snapshot was taken: the data in the archive is the tenant as of this instant. */
  takenAt: Date;
  /** Null when only the file name could be read (an encrypted archive outside any index, without the key). */
  rows: number | null;
  bytes: number;
  /** Where the figures come from. */
  source: 'index' | 'manifest' | 'name';
}

export interface ListArchivesOptions {
  /** Only this tenant's archives. */
  tenant?: string;
  /** Key for encrypted archives that no run index lists (their manifest is read). */
  passphrase?: string;
}

/**
 * The tenant archives in `dir`, oldest first. Archives listed by a run index take their figures from it (no file
 * is opened beyond a stat); other `tenant-<id>-<UTC>.tnt` files are read whole once (their manifest is the last
 * entry of a gzip stream), or, where that fails (an encrypted file without its key), described from the name.
 */
export async function listArchives(dir: string, opts: ListArchivesOptions = {}): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  const seen = new Set<string>();
  for (const run of runIndexes(dir))
    for (const t of run.tenants) {
      if (t.result !== 'ok' || !t.file || seen.has(t.file)) continue;
      const path = join(dir, t.file);
      if (!existsSync(path)) continue; // pruned
      seen.add(t.file);
      const named = parseArchiveFileName(t.file);
      out.push({
        file: t.file,
        path,
        tenant: t.tenant,
        takenAt: t.snapshotAt ? new Date(t.snapshotAt) : (named?.at ?? new Date(run.startedAt)),
        rows: t.rows ?? null,
        bytes: statSync(path).size,
        source: 'index',
      });
    }
  for (const file of readdirSync(dir).sort()) {
    const named = parseArchiveFileName(file);
    if (!named || seen.has(file)) continue;
    const path = join(dir, file);
    const bytes = statSync(path).size;
    try {
      const m = await verifyArchive(path, opts.passphrase);
      out.push({
        file,
        path,
        tenant: m.tenantId,
        takenAt: named.at,
        rows: m.tables.reduce((n, t) => n + t.rows, 0),
        bytes,
        source: 'manifest',
      });
    } catch {
      out.push({ file, path, tenant: named.tenant, takenAt: named.at, rows: null, bytes, source: 'name' });
    }
  }
  const wanted = opts.tenant;
  return out
    .filter(
      (a) =>
        wanted === undefined || a.tenant === wanted || (a.source === 'name' && a.tenant === fileSafeTenant(wanted)),
    )
    .sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime() || a.file.localeCompare(b.file));
}
