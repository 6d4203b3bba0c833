import { createHash } from 'node:crypto';
import type { Manifest } from '../archive/manifest.ts';
import { objectAddress, type BackupStore } from '../storage/backup-store.ts';
import { verifyArchive } from '../verify-archive.ts';

/**
 * Checks a stored archive as a restore checks it (verifyArchive: every table's row count and SHA-256, or a format-3
 * archive's seal), in one streamed read that also gives the object's SHA-256 and size, the figures a run index
 * records. Throws verifyArchive's errors (TENANTOPS_E_ARCHIVE_CORRUPT, _FORMAT, _KEY) and the store's.
 */
export async function verifyStoredArchive(
  store: BackupStore,
  file: string,
  passphrase: string | undefined,
): Promise<{ manifest: Manifest; sha256: string; bytes: number }> {
  let h = createHash('sha256');
  let bytes = 0;
  const manifest = await verifyArchive(
    {
      name: objectAddress(store, file),
      async *bytes() {
        // verifyArchive reads an archive of format 1 or 2 twice (the seal is looked for first): the figures are
        // those of the last read, which is a whole one.
        h = createHash('sha256');
        bytes = 0;
        for await (const c of store.get(file)) {
          h.update(c);
          bytes += c.length;
          yield c;
        }
      },
    },
    passphrase,
  );
  return { manifest, sha256: h.digest('hex'), bytes };
}
