import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, DbSession, Engine } from '../db/index.ts';
import { backupDialectFor } from './dialect/backup-dialect-for.ts';
import { TenantopsError } from '../errors/index.ts';
import type { BackupConfig } from './config/backup-config.ts';
import { schemaDiff } from './schema-diff.ts';
import { tenantScope } from './tenant-scope.ts';
import { verifyArchive } from './verify-archive.ts';
import { applyPlan, checkForeignKeys } from './restore/apply-plan.ts';
import { verifyRestore } from './restore/verify-restore.ts';
import { digestsComparable } from './server-digest.ts';
import type { ArchiveSource } from './restore/archive-lines.ts';
import { planFromArchive } from './restore/plan-from-archive.ts';
import { planFromUndo } from './restore/plan-from-undo.ts';
import { closePlan, planChanges, type RestorePlan, type TableChange } from './restore/restore-plan.ts';
import { checkCollisions, checkReferencedRows, checkSharedParents, checkTriggers } from './restore/restore-checks.ts';
import { writeSafetyBackup } from './restore/safety-backup.ts';

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

async function runHook(name: string, cmd: string | undefined, tenantId: string): Promise<void> {
  if (!cmd) return;
  const r = spawnSync('sh', ['-c', cmd], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TENANTOPS_TENANT: tenantId },
  });
  if (r.status !== 0) throw new TenantopsError('TENANTOPS_E_HOOK', `${name} hook failed (exit ${r.status}): ${cmd}`);
}

function safetyPath(dir: string, tenantId: string): string {
  return join(
    dir,
    `safety-tenant-${tenantId.replace(/[^A-Za-z0-9_-]/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}.tnt`,
  );
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
  const report = (phase: RestorePhase, unit: RestoreProgress['unit'], total: number) => {
    let done = 0;
    opts.onProgress?.({ phase, done, total, unit });
    return (n: number) => opts.onProgress?.({ phase, done: (done = Math.min(total, done + n)), total, unit });
  };
  const manifest = await verifyArchive(
    opts.archive,
    opts.passphrase,
    report('verify', 'bytes', statSync(opts.archive).size),
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
  if (
    !(manifest.engine in { mysql: 1, postgres: 1, pglite: 1 }) ||
    backupDialectFor(manifest.engine as Engine) !== backupDialectFor(db.target.engine)
  ) {
    throw new TenantopsError(
      'TENANTOPS_E_SCHEMA_MISMATCH',
      `archive is from ${manifest.engine}, target is ${db.target.engine}`,
    );
  }
  const src: ArchiveSource = { path: opts.archive, passphrase: opts.passphrase, manifest };
  const dryRun = !!opts.dryRun;
  let plan: RestorePlan | null = null;
  try {
    const result = await db.transaction(async (s) => {
      const scope = await tenantScope(db, s, config);
      const diff = schemaDiff(manifest, scope.schema, scope.plan);
      if (diff.problems.length) {
        throw new TenantopsError(
          'TENANTOPS_E_SCHEMA_MISMATCH',
          `archive does not fit the target schema (${diff.problems.length} differences)`,
          { details: diff.problems },
        );
      }
      // Writers of the tenant wait from here to COMMIT; a dry run only reads.
      if (!dryRun)
        await scope.dialect.lockTables(
          s,
          scope.plan.entries.map((e) => e.table),
        );
      const digests = digestsComparable(manifest, db);
      const planOpts = {
        tenantId,
        lock: !dryRun,
        digests,
        side: db.poolStats().max > 1 ? <T>(fn: (q: DbSession) => Promise<T>) => db.session(fn) : undefined,
        onRows: report(
          'compare',
          'rows',
          manifest.tables.reduce((n, t) => n + t.rows, 0),
        ),
      };
      plan =
        kind === 'undo' ? await planFromUndo(s, scope, src, planOpts) : await planFromArchive(s, scope, src, planOpts);
      plan.notes.unshift(...diff.notes);
      if (kind === 'tenant') await checkSharedParents(s, scope, manifest);
      await checkCollisions(s, scope, plan);
      await checkReferencedRows(s, scope, plan);
      await checkTriggers(s, scope, plan, config, dryRun);
      const summary: RestorePlanSummary = {
        tenantId,
        target: db.target.redacted,
        kind,
        tables: planChanges(plan),
        notes: plan.notes,
      };
      const written = summary.tables.reduce((n, t) => n + t.insert + t.update + t.delete, 0);
      if (dryRun) return { ...summary, dryRun: true, safetyBackup: null, written, seconds: 0 };
      await opts.confirm?.(summary);
      await runHook('beforeRestore', config.hooks.beforeRestore, tenantId);

      // The safety backup holds what this plan changes, written before the first change.
      const safetyDone = report('safety', 'rows', written);
      mkdirSync(opts.safetyDir, { recursive: true, mode: 0o700 });
      const safety = safetyPath(opts.safetyDir, tenantId);
      await writeSafetyBackup(
        {
          path: safety,
          passphrase: 'safetyPassphrase' in opts ? opts.safetyPassphrase : opts.passphrase,
          engine: db.target.engine,
          serverVersion: db.serverVersion,
          database: db.target.redacted,
          config,
          order: manifest.order ?? (kind === 'undo' ? 'exact' : 'native'),
        },
        scope,
        plan,
      );
      safetyDone(written);
      opts.onSafetyBackup?.(safety);
      await opts.checkpoint?.('after-safety-backup');

      const undo = await scope.dialect.relaxConstraints(s);
      try {
        await applyPlan(s, scope, plan, {
          onRows: report('apply', 'rows', written),
          checkpoint: opts.checkpoint,
          bulkMinRows: opts.bulkMinRows,
        });
        const checked = report('check', 'tables', 1);
        await checkForeignKeys(s, scope, plan);
        await verifyRestore(s, scope, plan, src, { order: manifest.order ?? 'native', digests });
        await scope.dialect.advanceSequences(
          s,
          plan.tables.filter((t) => t.insert).map((t) => scope.schema.get(t.table)!),
        );
        checked(1);
        await opts.checkpoint?.('before-commit');
      } finally {
        await undo();
      }
      opts.onCommit?.();
      return { ...summary, dryRun: false, safetyBackup: safety, written, seconds: 0 };
    });
    if (!result.dryRun) await runHook('afterRestore', config.hooks.afterRestore, tenantId);
    return { ...result, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (plan) closePlan(plan);
  }
}
