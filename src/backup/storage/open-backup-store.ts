import { resolve } from 'node:path';
import type { BackupStore } from './backup-store.ts';
import { LocalDirStore } from './local-dir-store.ts';
import { parseS3Url, S3Store, s3OptionsFromEnv } from './s3-store.ts';

/** The store a DIR argument names: `s3://bucket/prefix` is an S3-compatible bucket, anything else a directory. */
export function openBackupStore(raw: string, cwd: string, env: NodeJS.ProcessEnv = process.env): BackupStore {
  const s3 = parseS3Url(raw);
  if (s3) return new S3Store(raw, s3.bucket, s3.prefix, s3OptionsFromEnv(env));
  return new LocalDirStore(resolve(cwd, raw));
}
