import { connectDb, parseDbUrl, type Db, type DbTarget } from '../db/index.ts';
import { dbUrlFrom } from './open-db.ts';
import { loadConfig, type BackupConfig } from '../backup/index.ts';
import { resolveEnvironment } from '../backup/environments/resolve-environment.ts';
import { TenantopsError } from '../errors/index.ts';
import type { CliIo, Options } from './command.ts';
import { connectTimeoutFrom, dbOption } from './common-options.ts';

export const backupDbOptions = {
  ...dbOption,
  env: {
    type: 'string',
    value: 'NAME',
    description: 'use environments.NAME from the config instead of --db (dev = Lando, prod = $DATABASE_URL)',
  },
  config: {
    type: 'string',
    value: 'FILE',
    description: 'scope config, YAML or JSON (default ./tenantops.config.yaml)',
  },
} as const satisfies Options;

export type DbValues = { db?: string; env?: string; config?: string; 'connect-timeout'?: string };

export function backupConfig(values: DbValues, io: CliIo): BackupConfig {
  return loadConfig(values.config, io.cwd).config;
}

export function backupTarget(values: DbValues, io: CliIo, config: BackupConfig): DbTarget {
  if (values.db && values.env) throw new TenantopsError('TENANTOPS_E_USAGE', '--db and --env conflict; give one');
  if (values.env) return resolveEnvironment(config, values.env, io.env, io.cwd);
  return parseDbUrl(dbUrlFrom(values, io), io.cwd);
}

/** Backup and restore read every value as text so nothing loses precision. */
export function openBackupDb(target: DbTarget, values: DbValues, poolMax = 2): Promise<Db> {
  // Backup commands read a tenant's data: an embedded database that is not there is a wrong path, not one to create.
  return connectDb(target, { values: 'text', poolMax, connectTimeoutMs: connectTimeoutFrom(values), mustExist: true });
}
