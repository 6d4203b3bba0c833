import { objectAddress, type BackupStore } from '../storage/backup-store.ts';
import { LocalDirStore } from '../storage/local-dir-store.ts';
import { isTenantopsError, type TenantopsError } from '../../errors/index.ts';
import { verifyArchive } from '../verify-archive.ts';
import { fileSafeTenant, parseArchiveFileName } from './archive-name.ts';
import { runIndexes } from './run-index.ts';

/** One tenant archive found in a backup directory. */
export interface ArchiveEntry {
  /** The object's name in its store. */
  file: string;
  /** Its address: a path, or an s3:// address. */
  path: string;
  tenant: string;
  /** When the tenant's snapshot was taken: the data in the archive is the tenant as of this instant. */
  takenAt: Date;
  /** Null when only the file name could be read (an encrypted archive outside any index, without the key). */
  rows: number | null;
  bytes: number;
  /** Where the figures come from. */
  source: 'index' | 'manifest' | 'name';
  /**
   * Why the archive cannot be restored, when the listing already knows: its size is not the one its run index
   * recorded (truncated, replaced), or, outside any index, it failed verification. Absent: not known to be bad
   * (an indexed archive's bytes are not read here; `sha256` is what they must hash to).
   */
  problem?: string;
  /** The SHA-256 of the file its run index recorded. */
  sha256?: string;
  /**
   * The database it was backed up from (the redacted URL its run index or manifest records); absent when only the
   * name could be read. Two databases backed up into one directory each have their own tenant 1.
   */
  database?: string;
}

export interface ListArchivesOptions {
  /** Only this tenant's archives. */
  tenant?: string;
  /** Key for encrypted archives that no run index lists (their manifest is read). */
  passphrase?: string;
  /** A run index that cannot be parsed: left out (its archives are read as if no index listed them), reported here. */
  onUnreadableIndex?: (error: TenantopsError) => void;
}

/**
 * The tenant archives in `dir` (a directory or a store), oldest first. Archives listed by a run index take their
 * figures from it (no file is opened: sizes come from one listing); other `tenant-<id>-<UTC>.tnt` files are read whole once (their manifest is the last
 * entry of a gzip stream), or, where that fails (an encrypted file without its key), described from the name.
 */
export async function listArchives(dir: string | BackupStore, opts: ListArchivesOptions = {}): Promise<ArchiveEntry[]> {
  const store = typeof dir === 'string' ? new LocalDirStore(dir) : dir;
  const sizes = new Map((await store.list()).map((o) => [o.name, o.bytes]));
  const out: ArchiveEntry[] = [];
  const seen = new Set<string>();
  for (const run of await runIndexes(store, [...sizes.keys()], opts.onUnreadableIndex ?? (() => undefined)))
    for (const t of run.tenants) {
      if (t.result !== 'ok' || !t.file || seen.has(t.file)) continue;
      const bytes = sizes.get(t.file);
      if (bytes === undefined) continue; // pruned
      const path = objectAddress(store, t.file);
      seen.add(t.file);
      const named = parseArchiveFileName(t.file);
      out.push({
        file: t.file,
        path,
        tenant: t.tenant,
        takenAt: t.snapshotAt ? new Date(t.snapshotAt) : (named?.at ?? new Date(run.startedAt)),
        rows: t.rows ?? null,
        bytes,
        source: 'index',
        database: run.database,
        ...(t.bytes !== undefined && t.bytes !== bytes
          ? { problem: `${bytes} bytes, its run index recorded ${t.bytes} (truncated or replaced)` }
          : {}),
        ...(t.sha256 ? { sha256: t.sha256 } : {}),
      });
    }
  for (const [file, bytes] of [...sizes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const named = parseArchiveFileName(file);
    if (!named || seen.has(file)) continue;
    const path = objectAddress(store, file);
    try {
      const m = await verifyArchive({ name: path, bytes: () => store.get(file) }, opts.passphrase);
      out.push({
        file,
        path,
        tenant: m.tenantId,
        takenAt: named.at,
        rows: m.tables.reduce((n, t) => n + t.rows, 0),
        bytes,
        source: 'manifest',
        database: m.database,
      });
    } catch (e) {
      // Without the key only the name can be read; an archive that fails its checks (or cannot be read) is listed
      // as such, not passed off as one that merely needs a key (prune would count it as a tenant's newest).
      const code = isTenantopsError(e) ? e.code : '';
      out.push({
        file,
        path,
        // A cut long id's name does not spell it: its stem stands for it (the same for each of its archives).
        tenant: named.tenant ?? named.stem,
        takenAt: named.at,
        rows: null,
        bytes,
        source: 'name',
        ...(code === 'TENANTOPS_E_ARCHIVE_KEY' ? {} : { problem: (e as Error).message }),
      });
    }
  }
  const wanted = opts.tenant;
  return out
    .filter(
      (a) =>
        wanted === undefined ||
        a.tenant === wanted ||
        (a.source === 'name' && parseArchiveFileName(a.file)?.stem === fileSafeTenant(wanted)),
    )
    .sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime() || a.file.localeCompare(b.file));
}
