import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/index.ts';
import { TenantopsError } from '../errors/index.ts';
import { backupTenant } from './backup-tenant.ts';
import type { BackupConfig } from './config/backup-config.ts';
import { backupDialectFor } from './dialect/backup-dialect-for.ts';
import { restoreTenant, type RestoreOptions, type RestoreResult } from './restore-tenant.ts';

export interface RestoreFromDbOptions extends Omit<
  RestoreOptions,
  'archive' | 'passphrase' | 'safetyPassphrase' | 'config'
> {
  tenantId: string;
  /** The scope config, applied to the source (what the tenant is there) and recorded for the target's checks. */
  config: BackupConfig;
  /** Key for the safety backup (TENANTOPS_BACKUP_KEY); the temp archive never uses it. */
  safetyPassphrase?: string;
  /** A private directory (mode 0700) for the temp archive; the caller removes it, also on an interrupt. */
  workDir: string;
  /** Rows read from the source so far. */
  onSourceRows?: (done: number, total: number) => void;
}

export interface RestoreFromDbResult extends RestoreResult {
  source: string;
}

/**
 * Copies one tenant from `source` (a scratch database restored from a full dump, a delayed replica) into `db`
 * with every guarantee of restoreTenant, by way of an archive: the tenant is backed up from the source in one
 * snapshot into a temp file (mode 0600, AES-256-GCM under a random key that only this process holds), that file
 * is restored like any archive (schema check, collisions, safety backup, verification, one transaction), and it
 * is removed whatever happens. It is not yet streamed: the temp file needs the disk space of the tenant's archive.
 */
export async function restoreTenantFromDb(
  db: Db,
  source: Db,
  opts: RestoreFromDbOptions,
): Promise<RestoreFromDbResult> {
  // Refused before anything is read, as an archive from another engine family is.
  if (backupDialectFor(source.target.engine) !== backupDialectFor(db.target.engine)) {
    throw new TenantopsError(
      'TENANTOPS_E_SCHEMA_MISMATCH',
      `source is ${source.target.engine}, target is ${db.target.engine}: a tenant moves only between engines of one family`,
    );
  }
  const key = randomBytes(32).toString('base64');
  const archive = join(opts.workDir, `from-db-${randomBytes(6).toString('hex')}.tnt`);
  try {
    await backupTenant(source, {
      tenantId: opts.tenantId,
      config: opts.config,
      out: archive,
      passphrase: key,
      onProgress: opts.onSourceRows,
    });
    const r = await restoreTenant(db, {
      ...opts,
      archive,
      passphrase: key,
      safetyPassphrase: opts.safetyPassphrase,
      config: opts.config,
    });
    return { ...r, source: source.target.redacted };
  } finally {
    rmSync(archive, { force: true });
  }
}
