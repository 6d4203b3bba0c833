import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, DbSession, Engine } from '../db/index.ts';
import { backupDialectFor } from './dialect/backup-dialect-for.ts';
import { TenantopsError } from '../errors/index.ts';
import { readArchiveEntries } from './archive/archive-reader.ts';
import type { Manifest } from './archive/manifest.ts';
import type { BackupConfig } from './config/backup-config.ts';
import { canonicalLines, digestRows, scopedSelect, type RowOrder } from './dump-table.ts';
import { schemaDiff } from './schema-diff.ts';
import { tenantScope, type TenantScope } from './tenant-scope.ts';
import { chunkOwner, verifyArchive } from './verify-archive.ts';
import { applyPlan, checkForeignKeys } from './restore/apply-plan.ts';
import type { ArchiveSource } from './restore/archive-lines.ts';
import { planFromArchive } from './restore/plan-from-archive.ts';
import { planFromUndo } from './restore/plan-from-undo.ts';
import { closePlan, planChanges, type RestorePlan, type TableChange, type TablePlan } from './restore/restore-plan.ts';
import { checkCollisions, checkReferencedRows, checkSharedParents, checkTriggers } from './restore/restore-checks.ts';
import { writeSafetyBackup } from './restore/safety-backup.ts';

export type { TableChange } from './restore/restore-plan.ts';

export type RestorePhase = 'verify' | 'compare' | 'safety' | 'delete' | 'update' | 'insert' | 'check';

export interface RestoreOptions {
  archive: string;
  passphrase?: string;
  tenantId?: string;
  /** Overrides the config stored in the archive. */
  config?: BackupConfig;
  dryRun?: boolean;
  /** Where the safety backup goes. */
  safetyDir: string;
  onProgress?: (phase: RestorePhase, table: string, rows: number) => void;
  /** Called after every check passed and before anything is written; throw to cancel (confirmation). */
  confirm?: (summary: RestorePlanSummary) => Promise<void>;
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
  opts.onProgress?.('verify', '', 0);
  const manifest = await verifyArchive(opts.archive, opts.passphrase);
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
      const planOpts = {
        tenantId,
        lock: !dryRun,
        onTable: (table: string) => opts.onProgress?.('compare', table, 0),
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
      opts.onProgress?.('safety', '', 0);
      mkdirSync(opts.safetyDir, { recursive: true, mode: 0o700 });
      const safety = safetyPath(opts.safetyDir, tenantId);
      await writeSafetyBackup(
        {
          path: safety,
          passphrase: opts.passphrase,
          engine: db.target.engine,
          serverVersion: db.serverVersion,
          database: db.target.redacted,
          config,
          order: manifest.order ?? (kind === 'undo' ? 'exact' : 'native'),
        },
        scope,
        plan,
      );
      await opts.checkpoint?.('after-safety-backup');

      const undo = await scope.dialect.relaxConstraints(s);
      try {
        await applyPlan(s, scope, plan, { onProgress: opts.onProgress, checkpoint: opts.checkpoint });
        opts.onProgress?.('check', '', 0);
        await checkForeignKeys(s, scope, plan);
        await verifyTenant(s, scope, plan, src, manifest.order ?? 'native');
        await scope.dialect.advanceSequences(
          s,
          plan.tables.filter((t) => t.insert).map((t) => scope.schema.get(t.table)!),
        );
        await opts.checkpoint?.('before-commit');
      } finally {
        await undo();
      }
      return { ...summary, dryRun: false, safetyBackup: safety, written, seconds: 0 };
    });
    if (!result.dryRun) await runHook('afterRestore', config.hooks.afterRestore, tenantId);
    return { ...result, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (plan) closePlan(plan);
  }
}

/**
 * Re-reads every table of the tenant, through the same locking read, and compares its digest with what the plan
 * promised (the archive's, or for a safety backup the digest before the restore it undoes). Catches a trigger, an
 * ON UPDATE column, a collation or a concurrent writer that changed any row.
 */
async function verifyTenant(
  s: DbSession,
  scope: TenantScope,
  plan: RestorePlan,
  src: ArchiveSource,
  order: RowOrder,
): Promise<void> {
  const d = scope.dialect;
  const entries = new Map(scope.plan.entries.map((e) => [e.table, e]));
  for (const t of plan.tables) {
    if (t.role !== 'scope') continue;
    const e = entries.get(t.table)!;
    const q = scopedSelect(d, scope.schema.get(t.table)!, t.columns, e.predicate, plan.tenantId, { order, lock: true });
    const r = await digestRows(s, q, t.columns);
    if (r.sha256 !== t.after.sha256 || r.rows !== t.after.rows) await explainMismatch(s, src, t, q);
  }
}

/** Finds the first row and column where the re-read data differs from the archive, then fails the restore. */
async function explainMismatch(
  s: DbSession,
  src: ArchiveSource,
  t: TablePlan,
  q: { sql: string; params: readonly unknown[] },
): Promise<never> {
  let detail = `${t.after.rows} rows expected`;
  const archived =
    (src.manifest.kind ?? 'tenant') === 'tenant' ? src.manifest.tables.find((x) => x.name === t.table) : undefined;
  if (archived) {
    const owners = chunkOwner(src.manifest);
    const now = canonicalLines(s, q, t.columns)[Symbol.asyncIterator]();
    let batch: string[] = [];
    let i = 0;
    let n = 0;
    outer: for await (const e of readArchiveEntries(src.path, src.passphrase)) {
      if (owners.get(e.name) !== archived) continue;
      for (const line of e.data.toString('utf8').split('\n')) {
        if (!line) continue;
        if (i >= batch.length) {
          const r = await now.next();
          batch = r.done ? [] : r.value;
          i = 0;
        }
        const got = batch[i++];
        n++;
        if (got !== line) {
          const a = JSON.parse(line) as unknown[];
          const b = got ? (JSON.parse(got) as unknown[]) : [];
          const col = t.columns.findIndex((_, j) => JSON.stringify(a[j]) !== JSON.stringify(b[j]));
          detail = got
            ? `row ${n}: column ${t.columns[col] ?? '?'} is ${JSON.stringify(b[col])} after restore, ${JSON.stringify(a[col])} in the archive`
            : `row ${n} of the archive is missing after restore`;
          break outer;
        }
      }
    }
    // Drained, never abandoned: a MariaDB connection must finish its result set before the ROLLBACK.
    for (let r = await now.next(); !r.done; r = await now.next());
  }
  throw new TenantopsError(
    'TENANTOPS_E_VERIFY_FAILED',
    `restored rows of ${t.table} differ from the archive (${detail}); a trigger, ON UPDATE column, collation or a concurrent writer changed them; rolled back`,
  );
}

export type { Manifest };
