import { isTenantopsError } from '../../errors/index.ts';
import type { BackupStore } from '../storage/backup-store.ts';
import type { ArchiveEntry } from './list-archives.ts';
import { objectSha256 } from './object-sha256.ts';
import { verifyStoredArchive } from './verify-stored-archive.ts';
import { isMissingObject } from '../storage/store-text.ts';

/** What `backups list --verify` found for one archive. */
export interface ArchiveCheck {
  /**
   * ok: it passes the restore's integrity check (and hashes to its run index's SHA-256, where one is recorded);
   * damaged: it does not; unchecked: encrypted, without the key, and no index names its SHA-256.
   */
  result: 'ok' | 'damaged' | 'unchecked';
  /** Why it is damaged or unchecked; for ok without the key, that only its bytes were compared. */
  note?: string;
}

/**
 * Reads one listed archive whole and checks it the way a restore does (verifyStoredArchive), plus its SHA-256
 * against its run index: a byte flipped at the same size passes the listing's size comparison but not this.
 * An archive the listing already knows to be damaged is not read again; one outside any index was verified when it
 * was listed. Without the key an encrypted archive's contents cannot be checked, but its bytes still can against
 * the index.
 */
export async function verifyListedArchive(
  store: BackupStore,
  a: ArchiveEntry,
  passphrase: string | undefined,
): Promise<ArchiveCheck> {
  if (a.problem) return { result: 'damaged', note: a.problem };
  if (a.source === 'manifest') return { result: 'ok' };
  if (a.source === 'name') return { result: 'unchecked', note: 'encrypted; give its key to check it' };
  const indexed = (sha256: string): ArchiveCheck | null =>
    a.sha256 && sha256 !== a.sha256
      ? { result: 'damaged', note: 'its SHA-256 is not the one its run index recorded' }
      : null;
  try {
    const { sha256 } = await verifyStoredArchive(store, a.file, passphrase);
    return indexed(sha256) ?? { result: 'ok' };
  } catch (e) {
    // Deleted since it was listed (a prune of another host, an operator): nothing to check, not a failure.
    if (isMissingObject(e)) return { result: 'unchecked', note: 'gone: deleted while the listing ran' };
    if (!isTenantopsError(e) || e.code === 'TENANTOPS_E_STORAGE' || e.code === 'TENANTOPS_E_IO') throw e;
    if (e.code !== 'TENANTOPS_E_ARCHIVE_KEY') return { result: 'damaged', note: e.message };
    if (!a.sha256) return { result: 'unchecked', note: 'encrypted; give its key to check it' };
    const got = await objectSha256(store, a.file);
    return indexed(got.sha256) ?? { result: 'ok', note: 'bytes as indexed; contents not checked without the key' };
  }
}
