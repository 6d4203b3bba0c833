import { resolve } from 'node:path';
import { TenantopsError } from '../../errors/index.ts';
import type { ArchiveByteSource } from '../archive/archive-reader.ts';
import type { ArchiveSink } from '../archive/archive-sink.ts';
import { partialFileSink } from '../archive/partial-file-sink.ts';
import { objectAddress, type BackupStore } from './backup-store.ts';
import { openBackupStore } from './open-backup-store.ts';
import { parseS3Url } from './s3-store.ts';

/**
 * One archive named on the command line: a local path, or `s3://bucket/prefix/name` (an object in the same kind
 * of store `--out-dir` takes). Commands that read an archive once stream it (`source`); a restore, which reads
 * its archive more than once, asks for a local copy (`localCopy`).
 */
export interface ArchiveLocation {
  /** What messages show: the resolved path or the s3:// address. */
  readonly address: string;
  /** The store and object name when the archive is in a bucket; null for a local file. */
  readonly remote: { store: BackupStore; name: string } | null;
  /** The archive for readers that stream it once (verify, inspect): a path, or the object's bytes. */
  source(): string | ArchiveByteSource;
  /** A local file with the archive's bytes; release() removes it when it is a copy. */
  localCopy(): Promise<{ path: string; release(): Promise<void> }>;
  /** Where a new archive goes: a `.partial` file renamed on commit, or an upload completed on commit. */
  sink(): ArchiveSink;
}

/**
 * `-` is refused rather than taken as a file name: `backup --out -` wrote a file called "-" where the operator
 * meant stdout, and `restore --in -` looked for one. An archive is verified in place after it is written and a
 * restore reads its archive more than once, so neither streams through a pipe.
 */
export function refuseStdio(raw: string): void {
  if (raw === '-')
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `"-": archives are not streamed through stdin or stdout (each is verified in place); name a file (./- for one called "-") or s3://BUCKET/PREFIX/NAME`,
    );
}

export function archiveLocation(raw: string, cwd: string, env: NodeJS.ProcessEnv = process.env): ArchiveLocation {
  refuseStdio(raw);
  if (!parseS3Url(raw)) {
    const path = resolve(cwd, raw);
    return {
      address: path,
      remote: null,
      source: () => path,
      localCopy: async () => ({ path, release: async () => undefined }),
      sink: () => partialFileSink(path),
    };
  }
  const cut = raw.lastIndexOf('/');
  const name = raw.slice(cut + 1);
  // s3://bucket alone or s3://bucket/prefix/ names a location, not an archive.
  if (!name || cut < 's3://'.length)
    throw new TenantopsError('TENANTOPS_E_USAGE', `${raw}: give the archive's object, s3://BUCKET/PREFIX/NAME`);
  const store = openBackupStore(raw.slice(0, cut), cwd, env);
  const address = objectAddress(store, name);
  return {
    address,
    remote: { store, name },
    source: () => ({ name: address, bytes: () => store.get(name) }),
    localCopy: () => store.localCopy(name),
    sink: () => store.put(name),
  };
}
