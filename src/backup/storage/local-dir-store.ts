import { randomBytes } from 'node:crypto';
import { createReadStream, linkSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoText, TenantopsError } from '../../errors/index.ts';
import { partialFileSink } from '../archive/partial-file-sink.ts';
import type { BackupStore, StoredObject } from './backup-store.ts';

/** A file-system error as TENANTOPS_E_IO: what failed, the reason and errno code, and why when known. */
function ioError(what: string, e: unknown, why = ''): TenantopsError {
  return new TenantopsError('TENANTOPS_E_IO', `${what}: ${errnoText(e)}${why}`, { cause: e });
}

/** A backup directory on a local (or mounted) file system. */
export class LocalDirStore implements BackupStore {
  readonly hostLocalPids = true;

  constructor(readonly location: string) {}

  async prepare(): Promise<void> {
    try {
      mkdirSync(this.location, { recursive: true, mode: 0o700 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'EEXIST' || code === 'ENOTDIR' ? ': a file is in the way of a directory' : '';
      throw ioError(`cannot create the backup directory ${this.location}`, e, why);
    }
  }

  async list(): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let entries;
    try {
      entries = readdirSync(this.location, { withFileTypes: true });
    } catch (e) {
      throw ioError(`cannot list ${this.location}`, e);
    }
    for (const d of entries) {
      // Sub-directories (safety/) and unfinished .partial files are not objects of the store.
      if (!d.isFile() || d.name.endsWith('.partial')) continue;
      try {
        out.push({ name: d.name, bytes: statSync(join(this.location, d.name)).size });
      } catch (e) {
        // Deleted since the directory was read (a prune, a run's rename): not there any more.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`cannot read ${this.location}`, e);
      }
    }
    return out;
  }

  put(name: string) {
    return partialFileSink(join(this.location, name));
  }

  async *get(name: string): AsyncIterable<Buffer> {
    for await (const c of createReadStream(join(this.location, name))) yield c as Buffer;
  }

  async delete(name: string): Promise<void> {
    try {
      rmSync(join(this.location, name), { force: true });
    } catch (e) {
      throw ioError(`cannot delete ${join(this.location, name)}`, e);
    }
  }

  async createExclusive(name: string, text: string): Promise<boolean> {
    const path = join(this.location, name);
    // Written whole under a private name first, then hard-linked to `name`: link() fails if `name` exists, and a
    // reader never sees the file half-written (open with O_EXCL then write would show it empty for a moment).
    const temp = `${path}.${randomBytes(6).toString('hex')}.partial`;
    try {
      writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
      linkSync(temp, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw ioError(`cannot create ${path}`, e);
    } finally {
      rmSync(temp, { force: true });
    }
  }

  async removeStale(olderThanMs: number): Promise<string[]> {
    const removed: string[] = [];
    for (const d of readdirSync(this.location, { withFileTypes: true })) {
      if (!d.isFile() || !d.name.endsWith('.partial')) continue;
      const path = join(this.location, d.name);
      try {
        // A writer appends as it goes: one untouched this long was left by a process that is gone (SIGKILL,
        // power loss), which could not remove it; a live one (a run started alongside) is left alone.
        if (Date.now() - statSync(path).mtimeMs < olderThanMs) continue;
        rmSync(path, { force: true });
        removed.push(d.name);
      } catch (e) {
        throw ioError(`cannot remove ${path}`, e);
      }
    }
    return removed;
  }

  async localCopy(name: string) {
    return { path: join(this.location, name), release: async () => undefined };
  }
}
