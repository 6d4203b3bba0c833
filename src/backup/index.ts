export { backupTenant, type BackupOptions, type BackupResult } from './backup-tenant.ts';
export { restoreTenant, type RestoreOptions, type RestoreResult, type RestorePlanSummary } from './restore-tenant.ts';
export { verifyArchive } from './verify-archive.ts';
export { checkArchiveEngine } from './check-archive-engine.ts';
export { schemaDiff } from './schema-diff.ts';
export { tenantScope, checkTenantIdShape, checkTenant } from './tenant-scope.ts';
export { loadConfig, CONFIG_FILE } from './config/load-config.ts';
export { validateConfig } from './config/validate-config.ts';
export { DEFAULT_CONFIG, type BackupConfig } from './config/backup-config.ts';
export { backupKeyFrom } from './archive/archive-crypto.ts';
export { assertArchiveReadable, isEncrypted } from './archive/archive-reader.ts';
export type { Manifest } from './archive/manifest.ts';
export type { ScopePlan } from './scope/scope-plan.ts';
export { tenantDigest } from './tenant-digest.ts';
export { removePartials } from './archive/partial-files.ts';
export { tenantIds } from './tenant-ids.ts';
export { backupAllTenants, type BackupAllOptions, type BackupAllResult } from './fleet/backup-all-tenants.ts';
export {
  runFigures,
  failedRunFigures,
  writeBackupMetrics,
  backupMetricsText,
  type BackupRunFigures,
} from './fleet/backup-metrics.ts';
export { runIndexes, readRunIndex, runIndexName, type RunIndex, type RunTenant } from './fleet/run-index.ts';
export { archiveFileName, fileSafeTenant, parseArchiveFileName, compactUtc } from './fleet/archive-name.ts';
export { listArchives, type ArchiveEntry, type ListArchivesOptions } from './fleet/list-archives.ts';
export { pickArchive } from './fleet/pick-archive.ts';
export { verifyListedArchive, type ArchiveCheck } from './fleet/verify-listed-archive.ts';
export {
  acquireRunLock,
  RUN_LOCK_NAME,
  RUN_LOCK_STALE_MS,
  type RunLock,
  type RunLockInfo,
  type RunLockOptions,
} from './fleet/run-lock.ts';
export { checkedRetentionPlan } from './fleet/checked-retention-plan.ts';
export { retentionPlan, isoWeek, type RetentionPlan, type RetentionRules } from './fleet/retention-plan.ts';
export { restoreTenantFromDb, type RestoreFromDbOptions, type RestoreFromDbResult } from './restore-from-db.ts';
export {
  openBackupStore,
  archiveLocation,
  refuseStdio,
  type ArchiveLocation,
  parseS3Url,
  LocalDirStore,
  S3Store,
  objectAddress,
  type BackupStore,
  type StoredObject,
} from './storage/index.ts';
