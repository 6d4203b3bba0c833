import { createHash } from 'node:crypto';
import type { BackupStore } from '../storage/backup-store.ts';

/** SHA-256 and size of a stored object, streamed (archives can be large). */
export async function objectSha256(store: BackupStore, name: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of store.get(name)) {
    h.update(c);
    bytes += c.length;
  }
  return { sha256: h.digest('hex'), bytes };
}
