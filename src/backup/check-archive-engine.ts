import type { Engine } from '../db/index.ts';
import { TenantopsError } from '../errors/index.ts';
import { backupDialectFor } from './dialect/backup-dialect-for.ts';

/**
 * Refuses an archive written on another engine family than `target` (PostgreSQL and PGlite share one, MariaDB is
 * another), before any schema comparison: compared anyway, every column type differs and the one reason drowns in
 * a list of them. Restore and verify --db both ask this first.
 */
export function checkArchiveEngine(archiveEngine: string, target: Engine): void {
  if (
    !(archiveEngine in { mysql: 1, postgres: 1, pglite: 1 }) ||
    backupDialectFor(archiveEngine as Engine) !== backupDialectFor(target)
  )
    throw new TenantopsError('TENANTOPS_E_SCHEMA_MISMATCH', `archive is from ${archiveEngine}, target is ${target}`);
}
