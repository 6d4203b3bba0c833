import { statSync } from 'node:fs';
import { openBackupStore, parseS3Url, type BackupStore } from '../backup/index.ts';
import { TenantopsError } from '../errors/index.ts';
import type { CliIo } from './command.ts';

/**
 * A backup location given on the command line, a directory or `s3://bucket/prefix`. It must exist (a typo must
 * not look like "no archives"): a directory is checked here, a bucket answers a HEAD request.
 */
export async function backupDir(raw: string | undefined, flag: string, io: CliIo): Promise<BackupStore> {
  if (!raw) throw new TenantopsError('TENANTOPS_E_USAGE', `--${flag} DIR is required`);
  const store = openBackupStore(raw, io.cwd, io.env);
  if (parseS3Url(raw)) {
    await store.prepare();
    return store;
  }
  let isDir: boolean | null = null;
  try {
    isDir = statSync(store.location).isDirectory();
  } catch {
    // A path that is not there (ENOENT, or under a file) is said as such; 'not a directory' read as a file.
  }
  if (!isDir)
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `--${flag} ${raw}: ${isDir === null ? 'no such directory' : 'not a directory'}`,
    );
  return store;
}
