import { statSync } from 'node:fs';
import type { Db, DbSession } from '../db/index.ts';
import { TenantopsError } from '../errors/index.ts';
import type { BackupConfig } from './config/backup-config.ts';
import type { ArchiveSource } from './restore/archive-lines.ts';
import { planFromArchive } from './restore/plan-from-archive.ts';
import { planFromUndo } from './restore/plan-from-undo.ts';
import { phaseReporter, restoreInTransaction } from './restore/restore-in-transaction.ts';
import { closePlan, type RestorePlan, type TableChange } from './restore/restore-plan.ts';
import { runHook } from './restore/run-hook.ts';
import { verifyRestore } from './restore/verify-restore.ts';
import { verifyArchive } from './verify-archive.ts';
import { checkArchiveEngine } from './check-archive-engine.ts';

export type { TableChange } from './restore/restore-plan.ts';

/** The phases of a restore, in order; each reports how far it is, in its own unit. */
export type RestorePhase = 'verify' | 'compare' | 'safety' | 'apply' | 'check';

export interface RestoreProgress {
  phase: RestorePhase;
  done: number;
  total: number;
  unit: 'bytes' | 'rows' | 'tables';
}

export interface RestoreOptions {
  archive: string;
  passphrase?: string;
  /** Key for the safety backup, when it should not be the archive's (given, even as undefined, it wins). */
  safetyPassphrase?: string;
  tenantId?: string;
  /** Overrides the config stored in the archive. */
  config?: BackupConfig;
  dryRun?: boolean;
  /** Where the safety backup goes. */
  safetyDir: string;
  onProgress?: (p: RestoreProgress) => void;
  /** Called after every check passed and before anything is written; throw to cancel (confirmation). */
  confirm?: (summary: RestorePlanSummary) => Promise<void>;
  /** Called once the safety backup is complete, with its path (before the first write). */
  onSafetyBackup?: (path: string) => void;
  /** Called just before COMMIT is sent: from here on an interrupted restore may have been applied. */
  onCommit?: () => void;
  /**
   * Tables with at least this many rows to insert are bulk-loaded (COPY, LOAD DATA LOCAL INFILE); default
   * BULK_MIN_ROWS. Tests set it to force either path.
   */
  bulkMinRows?: number;
  /** Test-only: called at named points inside the transaction, so tests can kill the process there. */
  checkpoint?: (name: string) => Promise<void>;
}

export interface RestorePlanSummary {
  tenantId: string;
  target: string;
  /** 'tenant': an archive of the tenant; 'undo': a safety backup, putting back what one restore changed. */
  kind: 'tenant' | 'undo';
  tables: TableChange[];
  notes: string[];
}

export interface RestoreResult extends RestorePlanSummary {
  dryRun: boolean;
  safetyBackup: string | null;
  /** Rows written (inserted + updated + deleted). */
  written: number;
  seconds: number;
}

/** The archive's size, for progress; 0 when it cannot be read, which verifyArchive then reports with its code. */
function archiveSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Makes one tenant's rows exactly the archive's, all or nothing, in one transaction: verify the archive; compare
 * schemas; lock the tenant against writers; plan the difference (one pass over the archive); refuse collisions,
 * shared rows and triggers before any write; write a safety backup of what will change; apply the plan; check
 * every foreign key and re-read the tenant against the archive's checksums; then commit.
 * The caller's `db` must be connected with values: 'text'.
 */
export async function restoreTenant(db: Db, opts: RestoreOptions): Promise<RestoreResult> {
  const t0 = performance.now();
  const report = phaseReporter(opts.onProgress);
  const manifest = await verifyArchive(
    opts.archive,
    opts.passphrase,
    report('verify', 'bytes', archiveSize(opts.archive)),
  );
  if (opts.tenantId !== undefined && opts.tenantId !== manifest.tenantId) {
    throw new TenantopsError(
      'TENANTOPS_E_WRONG_TENANT',
      `archive holds tenant ${manifest.tenantId}, not tenant ${opts.tenantId}`,
    );
  }
  const tenantId = manifest.tenantId;
  const config = opts.config ?? manifest.config;
  const kind = manifest.kind ?? 'tenant';
  // Archives move between engines that share a backup dialect (PostgreSQL and PGlite), never across dialects.
  checkArchiveEngine(manifest.engine, db.target.engine);
  const src: ArchiveSource = { path: opts.archive, passphrase: opts.passphrase, manifest };
  let plan: RestorePlan | null = null;
  try {
    const order = manifest.order ?? 'native';
    const result = await restoreInTransaction(
      db,
      {
        noun: 'archive',
        manifest,
        tenantId,
        config,
        kind,
        safetyOrder: manifest.order ?? (kind === 'undo' ? 'exact' : 'native'),
        safetyPassphrase: 'safetyPassphrase' in opts ? opts.safetyPassphrase : opts.passphrase,
        plan: (s, scope, how) => {
          const planOpts = {
            tenantId,
            ...how,
            side: db.poolStats().max > 1 ? <T>(fn: (q: DbSession) => Promise<T>) => db.session(fn) : undefined,
            onRows: report(
              'compare',
              'rows',
              manifest.tables.reduce((n, t) => n + t.rows, 0),
            ),
          };
          return kind === 'undo' ? planFromUndo(s, scope, src, planOpts) : planFromArchive(s, scope, src, planOpts);
        },
        verify: (s, scope, p, digests, onTable) => verifyRestore(s, scope, p, src, { order, digests, onTable }),
      },
      opts,
      report,
      (p) => (plan = p),
    );
    if (!result.dryRun) await runHook('afterRestore', config.hooks.afterRestore, tenantId);
    return { ...result, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (plan) closePlan(plan);
  }
}
