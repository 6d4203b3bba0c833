import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, DbSession } from '../db/index.ts';
import { TenantopsError } from '../errors/index.ts';
import { dataColumns, fingerprint, manifestHead, type Manifest, type ManifestTable } from './archive/manifest.ts';
import type { BackupConfig } from './config/backup-config.ts';
import { backupDialectFor } from './dialect/backup-dialect-for.ts';
import { scopedSelect } from './dump-table.ts';
import { applyPlan, checkForeignKeys } from './restore/apply-plan.ts';
import { DbRowSource, type SourceRead } from './restore/db-row-source.ts';
import { planFromArchive } from './restore/plan-from-archive.ts';
import { checkCollisions, checkReferencedRows, checkSharedParents, checkTriggers } from './restore/restore-checks.ts';
import { closePlan, planChanges, type RestorePlan } from './restore/restore-plan.ts';
import { runHook } from './restore/run-hook.ts';
import { writeSafetyBackup } from './restore/safety-backup.ts';
import { verifyRestore } from './restore/verify-restore.ts';
import type { RestoreOptions, RestorePhase, RestoreProgress, RestoreResult } from './restore-tenant.ts';
import { schemaDiff } from './schema-diff.ts';
import { bindTenant } from './scope/scope-plan.ts';
import { digestsComparable } from './server-digest.ts';
import { checkTenant, tenantScope, type TenantScope } from './tenant-scope.ts';

export interface RestoreFromDbOptions extends Omit<
  RestoreOptions,
  'archive' | 'passphrase' | 'safetyPassphrase' | 'config' | 'tenantId'
> {
  tenantId: string;
  /** The scope config, applied to the source (what the tenant is there) and recorded for the target's checks. */
  config: BackupConfig;
  /** Key for the safety backup (TENANTOPS_BACKUP_KEY). */
  safetyPassphrase?: string;
  /** Rows read from the source so far (the total is not known before they are read). */
  onSourceRows?: (done: number, total: number) => void;
}

export interface RestoreFromDbResult extends RestoreResult {
  source: string;
}

/** Named as restoreTenant names its safety backups, so `backups list` and operators see one kind of file. */
function safetyPath(dir: string, tenantId: string): string {
  return join(
    dir,
    `safety-tenant-${tenantId.replace(/[^A-Za-z0-9_-]/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}.tnt`,
  );
}

/**
 * What a backup of the tenant on `source` would hold, without the rows: the manifest (the source's schema
 * fingerprints, scope plan and shared references; row counts and checksums are filled in as the rows stream) and
 * the query that reads each table. Read in the caller's snapshot `s`.
 */
async function sourceManifest(
  source: Db,
  s: DbSession,
  scope: TenantScope,
  tenantId: string,
  config: BackupConfig,
): Promise<{ manifest: Manifest; reads: SourceRead[] }> {
  const { dialect: d, schema, plan } = scope;
  const reads: SourceRead[] = [];
  const tables: ManifestTable[] = plan.entries.map((e, index) => {
    const info = schema.get(e.table)!;
    const columns = dataColumns(info);
    const table: ManifestTable = {
      index,
      name: e.table,
      role: 'scope',
      how: e.how,
      detail: e.detail,
      columns,
      fingerprint: fingerprint(info, columns),
      rows: 0,
      bytes: 0,
      sha256: '',
      chunks: [],
    };
    reads.push({ table, query: scopedSelect(d, info, columns, e.predicate, tenantId, { hash: true }) });
    return table;
  });
  // The shared rows the tenant references, which the target must already hold (checkSharedParents).
  const external: Manifest['external'] = [];
  for (const edge of plan.external) {
    const entry = plan.entries.find((x) => x.table === edge.from)!;
    const b = bindTenant(entry.predicate, tenantId, d.param);
    const cols = edge.columns.map(d.quote).join(', ');
    const notNull = edge.columns.map((c) => `${d.quote(c)} IS NOT NULL`).join(' AND ');
    const keys = await s.query(
      `SELECT DISTINCT ${cols} FROM ${d.from(edge.from)} WHERE ${b.sql} AND ${notNull} ORDER BY ${cols}`,
      b.params,
    );
    external.push({ ...edge, keys: keys.map((k) => edge.columns.map((c) => String(k[c]))) });
  }
  const head = manifestHead(
    {
      engine: source.target.engine,
      serverVersion: source.serverVersion,
      database: source.target.redacted,
      tenantId,
      encrypted: false,
      config,
    },
    plan,
  );
  return {
    manifest: { ...head, kind: 'tenant', order: 'exact', includeParents: false, tables, external },
    reads,
  };
}

/**
 * Copies one tenant from `source` (a scratch database restored from a full dump, a delayed replica) into `db`
 * with every guarantee of a restore from an archive, streaming: the source is read in one snapshot, held open
 * while the target is planned, and its rows go straight into the restore planner (DbRowSource), so no archive
 * file is written and memory stays bounded (the plan spools large changes, encrypted, as every restore does).
 * The target side is restoreTenant's: schema check, lock, plan, collisions, shared rows and triggers refused
 * before any write, a safety backup, one transaction, every foreign key and the restored rows checked against
 * what was streamed before COMMIT.
 */
export async function restoreTenantFromDb(
  db: Db,
  source: Db,
  opts: RestoreFromDbOptions,
): Promise<RestoreFromDbResult> {
  const t0 = performance.now();
  // Refused before anything is read, as an archive from another engine family is.
  if (backupDialectFor(source.target.engine) !== backupDialectFor(db.target.engine)) {
    throw new TenantopsError(
      'TENANTOPS_E_SCHEMA_MISMATCH',
      `source is ${source.target.engine}, target is ${db.target.engine}: a tenant moves only between engines of one family`,
    );
  }
  const { tenantId, config } = opts;
  const report = (phase: RestorePhase, unit: RestoreProgress['unit'], total: number) => {
    let done = 0;
    opts.onProgress?.({ phase, done, total, unit });
    return (n: number) => opts.onProgress?.({ phase, done: (done = Math.min(total, done + n)), total, unit });
  };
  const dryRun = !!opts.dryRun;
  let plan: RestorePlan | null = null;
  try {
    const result = await source.transaction(
      async (ss) => {
        const sourceScope = await tenantScope(source, ss, config);
        await checkTenant(ss, sourceScope, tenantId);
        const { manifest, reads } = await sourceManifest(source, ss, sourceScope, tenantId, config);
        let read = 0;
        const rows = new DbRowSource(ss, reads, (n) => opts.onSourceRows?.((read += n), read));
        return db.transaction(async (s) => {
          const scope = await tenantScope(db, s, config);
          const diff = schemaDiff(manifest, scope.schema, scope.plan);
          if (diff.problems.length) {
            throw new TenantopsError(
              'TENANTOPS_E_SCHEMA_MISMATCH',
              `source does not fit the target schema (${diff.problems.length} differences)`,
              { details: diff.problems },
            );
          }
          if (!dryRun)
            await scope.dialect.lockTables(
              s,
              scope.plan.entries.map((e) => e.table),
            );
          const digests = digestsComparable(manifest, db);
          // No table has a server digest before its rows stream by, so every table is merged row by row; once
          // streamed, each has the source's digest, and where this server's digests compare with the source's
          // (same engine and version) the target is verified with one digest per table, else row by row.
          const src = { path: source.target.redacted, manifest };
          const p = await planFromArchive(s, scope, src, { tenantId, lock: !dryRun, digests }, rows);
          plan = p;
          // The source's counts and checksums are known now that every table streamed by.
          for (const [i, tp] of p.tables.entries()) {
            const t = manifest.tables[i]!;
            tp.archived = t.rows;
            tp.after = { rows: t.rows, sha256: t.sha256 };
          }
          p.notes.unshift(...diff.notes);
          await checkSharedParents(s, scope, manifest);
          await checkCollisions(s, scope, p);
          await checkReferencedRows(s, scope, p);
          await checkTriggers(s, scope, p, config, dryRun);
          const summary = {
            tenantId,
            target: db.target.redacted,
            kind: 'tenant' as const,
            tables: planChanges(p),
            notes: p.notes,
          };
          const written = summary.tables.reduce((n, t) => n + t.insert + t.update + t.delete, 0);
          if (dryRun) return { ...summary, dryRun: true, safetyBackup: null, written, seconds: 0 };
          await opts.confirm?.(summary);
          await runHook('beforeRestore', config.hooks.beforeRestore, tenantId);

          const safetyDone = report('safety', 'rows', written);
          mkdirSync(opts.safetyDir, { recursive: true, mode: 0o700 });
          const safety = safetyPath(opts.safetyDir, tenantId);
          await writeSafetyBackup(
            {
              path: safety,
              passphrase: opts.safetyPassphrase,
              engine: db.target.engine,
              serverVersion: db.serverVersion,
              database: db.target.redacted,
              config,
              order: 'exact',
            },
            scope,
            p,
          );
          safetyDone(written);
          opts.onSafetyBackup?.(safety);
          await opts.checkpoint?.('after-safety-backup');

          const undo = await scope.dialect.relaxConstraints(s);
          try {
            await applyPlan(s, scope, p, {
              onRows: report('apply', 'rows', written),
              checkpoint: opts.checkpoint,
              bulkMinRows: opts.bulkMinRows,
            });
            const checked = report('check', 'tables', 1);
            await checkForeignKeys(s, scope, p);
            await verifyRestore(s, scope, p, src, { order: 'exact', digests }, rows);
            await scope.dialect.advanceSequences(
              s,
              p.tables.filter((t) => t.insert).map((t) => scope.schema.get(t.table)!),
            );
            checked(1);
            await opts.checkpoint?.('before-commit');
          } finally {
            await undo();
          }
          opts.onCommit?.();
          return { ...summary, dryRun: false, safetyBackup: safety, written, seconds: 0 };
        });
      },
      { snapshot: true },
    );
    if (!result.dryRun) await runHook('afterRestore', config.hooks.afterRestore, tenantId);
    return { ...result, seconds: (performance.now() - t0) / 1000, source: source.target.redacted };
  } finally {
    if (plan) closePlan(plan);
  }
}
