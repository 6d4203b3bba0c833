import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectionLoss, type Db, type DbSession, type TransactionOptions } from '../../db/index.ts';
import { errnoText, TenantopsError } from '../../errors/index.ts';
import type { Manifest } from '../archive/manifest.ts';
import type { BackupConfig } from '../config/backup-config.ts';
import type { RestoreOptions, RestorePhase, RestoreProgress, RestoreResult } from '../restore-tenant.ts';
import { schemaDiff } from '../schema-diff.ts';
import { columnGaps } from '../column-gaps.ts';
import { digestsComparable } from '../server-digest.ts';
import { tenantScope, type TenantScope } from '../tenant-scope.ts';
import { applyPlan, checkForeignKeys } from './apply-plan.ts';
import { applyWithDeferredProbes, bulkCheckedTables } from './bulk-collisions.ts';
import {
  checkCollisions,
  checkReferencedRows,
  checkSharedParents,
  checkTransactional,
  checkTriggers,
} from './restore-checks.ts';
import { planChanges, type RestorePlan } from './restore-plan.ts';
import type { RowOrder } from '../dump-table.ts';
import { runHook } from './run-hook.ts';
import { fileSafeTenant } from '../fleet/archive-name.ts';
import { writeSafetyBackup } from './safety-backup.ts';

/** Reports one phase's progress: returns the function that adds `n` done (capped at the phase's total). */
export type PhaseReporter = (phase: RestorePhase, unit: RestoreProgress['unit'], total: number) => (n: number) => void;

export function phaseReporter(onProgress: RestoreOptions['onProgress']): PhaseReporter {
  return (phase, unit, total) => {
    let done = 0;
    onProgress?.({ phase, done, total, unit });
    return (n) => onProgress?.({ phase, done: (done = Math.min(total, done + n)), total, unit });
  };
}

/** What the target side of a restore takes from the caller's options. */
export type TargetOptions = Pick<
  RestoreOptions,
  'dryRun' | 'safetyDir' | 'confirm' | 'onSafetyBackup' | 'onCommit' | 'bulkMinRows' | 'checkpoint'
>;

/** How a plan reads: under the restore's lock (not a dry run), settling tables by digest, and the test checkpoints. */
export interface PlanHow {
  lock: boolean;
  digests: boolean;
  checkpoint?: (name: string) => Promise<void>;
}

/** Where the rows come from, as restoreInTransaction needs it: what to plan from and what to verify against. */
export interface RestoreSource {
  /** 'archive' or 'source', in the schema-mismatch message. */
  noun: string;
  manifest: Manifest;
  tenantId: string;
  config: BackupConfig;
  kind: 'tenant' | 'undo';
  /** The row order the safety backup records. */
  safetyOrder: RowOrder;
  safetyPassphrase: string | undefined;
  /** The difference between the target and the rows (one pass over them). */
  plan(s: DbSession, scope: TenantScope, how: PlanHow): Promise<RestorePlan>;
  /** Re-reads the restored tenant against the rows before COMMIT; throws on any difference. `onTable`: per table. */
  verify(
    s: DbSession,
    scope: TenantScope,
    plan: RestorePlan,
    digests: boolean,
    onTable?: (n: number) => void,
  ): Promise<void>;
}

// The restore's locks keep other writers out only at the isolation TransactionOptions.locking sets.
const LOCKING: TransactionOptions = { locking: true };

/** Named by tenant and UTC time, so `backups list` and operators see one kind of safety file whatever restored. */
function safetyPath(dir: string, tenantId: string): string {
  return join(dir, `safety-tenant-${fileSafeTenant(tenantId)}-${new Date().toISOString().replace(/[:.]/g, '-')}.tnt`);
}

/**
 * The target side of every restore (from an archive, a safety backup or another database), in `db`'s one
 * transaction: compare schemas; lock the tenant against writers; plan; refuse collisions, shared rows and triggers
 * before any write (collisions of bulk-loaded inserts: when the load fails, as bulk-collisions.ts explains); write a
 * safety backup of what will change; apply; check every foreign key and verify the
 * tenant against the rows; then commit (the transaction's end). `onPlan` receives the plan so the caller can
 * release its spools whatever happens. The hooks' afterRestore runs after COMMIT, in the caller.
 */
export async function restoreInTransaction(
  db: Db,
  src: RestoreSource,
  opts: TargetOptions,
  report: PhaseReporter,
  onPlan: (plan: RestorePlan) => void,
): Promise<RestoreResult> {
  const { manifest, tenantId, config, kind } = src;
  const dryRun = !!opts.dryRun;
  let safety: string | null = null;
  let committing = false;
  const inTransaction = db.transaction(async (s) => {
    const scope = await tenantScope(db, s, config);
    const diff = schemaDiff(manifest, scope.schema, scope.plan);
    if (diff.problems.length) {
      throw new TenantopsError(
        'TENANTOPS_E_SCHEMA_MISMATCH',
        `${src.noun} does not fit the target schema (${diff.problems.length} differences)`,
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
    const plan = await src.plan(s, scope, { lock: !dryRun, digests, checkpoint: opts.checkpoint });
    onPlan(plan);
    plan.notes.unshift(...diff.notes, ...columnGaps(scope));
    if (kind === 'tenant') await checkSharedParents(s, scope, manifest);
    // A real restore leaves the inserts of bulk-loaded tables to the load's own unique check (bulk-collisions.ts).
    const probes = bulkCheckedTables(scope, plan, { dryRun, bulkMinRows: opts.bulkMinRows });
    await checkCollisions(s, scope, plan, probes);
    await checkReferencedRows(s, scope, plan);
    await checkTriggers(s, scope, plan, config, dryRun);
    checkTransactional(scope, plan, dryRun);
    const summary = { tenantId, target: db.target.redacted, kind, tables: planChanges(plan), notes: plan.notes };
    const written = summary.tables.reduce((n, t) => n + t.insert + t.update + t.delete, 0);
    if (dryRun) return { ...summary, dryRun: true, safetyBackup: null, written, seconds: 0 };
    await opts.confirm?.(summary);
    await runHook('beforeRestore', config.hooks.beforeRestore, tenantId);

    // The safety backup holds what this plan changes, written before the first change.
    const safetyDone = report('safety', 'rows', written);
    try {
      mkdirSync(opts.safetyDir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new TenantopsError(
        'TENANTOPS_E_IO',
        `cannot create the safety backup directory ${opts.safetyDir}: ${errnoText(e)}; nothing was changed`,
        { cause: e },
      );
    }
    safety = safetyPath(opts.safetyDir, tenantId);
    await writeSafetyBackup(
      {
        path: safety,
        passphrase: src.safetyPassphrase,
        engine: db.target.engine,
        serverVersion: db.serverVersion,
        database: db.target.redacted,
        config,
        order: src.safetyOrder,
      },
      scope,
      plan,
      safetyDone,
    );
    // Shared parent rows an --include-parents plan inserts are not in it: the phase ends complete all the same.
    safetyDone(written);
    opts.onSafetyBackup?.(safety);
    await opts.checkpoint?.('after-safety-backup');

    const undo = await scope.dialect.relaxConstraints(s);
    try {
      await applyWithDeferredProbes(s, scope, plan, probes, () =>
        applyPlan(s, scope, plan, {
          onRows: report('apply', 'rows', written),
          checkpoint: opts.checkpoint,
          bulkMinRows: opts.bulkMinRows,
        }),
      );
      // Table by table: after a full restore the check sums every table again, seconds at a million rows.
      const checked = report('check', 'tables', plan.tables.length);
      await checkForeignKeys(s, scope, plan);
      // Deferred triggers would change the rows at COMMIT, after verification: they run here, before it.
      await scope.dialect.fireDeferred(s);
      await src.verify(s, scope, plan, digests, checked);
      await scope.dialect.advanceSequences(
        s,
        plan.tables.filter((t) => t.insert).map((t) => scope.schema.get(t.table)!),
      );
      await opts.checkpoint?.('before-commit');
    } finally {
      await undo();
    }
    committing = true;
    opts.onCommit?.();
    return { ...summary, dryRun: false, safetyBackup: safety, written, seconds: 0 };
  }, LOCKING);
  return inTransaction.catch((e: unknown) => {
    // Failed before COMMIT reached the server: the transaction rolled back, so the safety backup holds rows that
    // were not changed and would only mislead ("restore it to roll back"). Once COMMIT may have reached it, the
    // file is kept whatever the error: it is the way back if the restore was committed after all.
    if (safety && (!committing || connectionLoss(e) === 'unsent')) rmSync(safety, { force: true });
    throw e;
  });
}
