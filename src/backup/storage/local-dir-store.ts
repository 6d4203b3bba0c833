import { createReadStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TenantopsError } from '../../errors/index.ts';
import { partialFileSink } from '../archive/partial-file-sink.ts';
import type { BackupStore, StoredObject } from './backup-store.ts';

/** A backup directory on a local (or mounted) file system. */
export class LocalDirStore implements BackupStore {
  constructor(readonly location: string) {}

  async prepare(): Promise<void> {
    try {
      mkdirSync(this.location, { recursive: true, mode: 0o700 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      const why = code === 'EEXIST' || code === 'ENOTDIR' ? `${code}: a file is in the way of a directory` : code;
      throw new TenantopsError('TENANTOPS_E_IO', `cannot create the backup directory ${this.location}: ${why}`, {
        cause: e,
      });
    }
  }

  async list(): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    for (const d of readdirSync(this.location, { withFileTypes: true }))
      // Sub-directories (safety/) and unfinished .partial files are not objects of the store.
      if (d.isFile() && !d.name.endsWith('.partial'))
        out.push({ name: d.name, bytes: statSync(join(this.location, d.name)).size });
    return out;
  }

  put(name: string) {
    return partialFileSink(join(this.location, name));
  }

  async *get(name: string): AsyncIterable<Buffer> {
    for await (const c of createReadStream(join(this.location, name))) yield c as Buffer;
  }

  async delete(name: string): Promise<void> {
    rmSync(join(this.location, name), { force: true });
  }

  async localCopy(name: string) {
    return { path: join(this.location, name), release: async () => undefined };
  }
}
