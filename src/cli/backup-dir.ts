import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TenantopsError } from '../errors/index.ts';
import type { CliIo } from './command.ts';

/** A backup directory given on the command line: it must exist (a typo must not look like "no archives"). */
export function backupDir(raw: string | undefined, flag: string, io: CliIo): string {
  if (!raw) throw new TenantopsError('TENANTOPS_E_USAGE', `--${flag} DIR is required`);
  const dir = resolve(io.cwd, raw);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new TenantopsError('TENANTOPS_E_USAGE', `--${flag} ${raw}: not a directory`);
  return dir;
}
