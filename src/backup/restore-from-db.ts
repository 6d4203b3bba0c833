import type { Db, DbSession } from '../db/index.ts';
import { TenantopsError } from '../errors/index.ts';
import { manifestHead, type Manifest, type ManifestTable } from './archive/manifest.ts';
import type { BackupConfig } from './config/backup-config.ts';
import { backupDialectFor } from './dialect/backup-dialect-for.ts';
import { DbRowSource, type SourceRead } from './restore/db-row-source.ts';
import { planFromArchive } from './restore/plan-from-archive.ts';
import { phaseReporter, restoreInTransaction } from './restore/restore-in-transaction.ts';
import { closePlan, type RestorePlan } from './restore/restore-plan.ts';
import { runHook } from './restore/run-hook.ts';
import { verifyRestore } from './restore/verify-restore.ts';
import type { RestoreOptions, RestoreResult } from './restore-tenant.ts';
import { externalKeys, scopeTable } from './scope-table.ts';
import { serverDigest } from './server-digest.ts';
import { newDigestKind } from './digest-kind.ts';
import { tenantCounts } from './tenant-counts.ts';
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
  const { plan } = scope;
  const reads: SourceRead[] = [];
  // Counts and checksums are filled in as the rows stream by (or with the digest, unchangedOnBoth).
  const tables: ManifestTable[] = plan.entries.map((e, index) => {
    const { head, query } = scopeTable(scope, e, index, tenantId, 0);
    const table: ManifestTable = { ...head, bytes: 0, sha256: '', chunks: [] };
    reads.push({ table, query });
    return table;
  });
  // The shared rows the tenant references, which the target must already hold (checkSharedParents).
  const external: Manifest['external'] = [];
  for (const edge of plan.external)
    external.push({ ...edge, keys: (await externalKeys(s, scope, edge, tenantId)).keys });
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
 * The tables whose server digest is the same on the source (`ss`, its snapshot) and the target (`s`, the restore's
 * transaction, read with `lock` as the planner would), each given the source's digest and row count: the planner
 * skips them without reading a row of either side. Counts first, one statement per side: a table whose counts
 * differ has changed and gets no digest (a deleted tenant costs none); the others' two digests are taken at once,
 * one on each server.
 */
async function unchangedOnBoth(
  ss: DbSession,
  sourceScope: TenantScope,
  s: DbSession,
  scope: TenantScope,
  tables: readonly ManifestTable[],
  tenantId: string,
  lock: boolean,
): Promise<Set<ManifestTable>> {
  const scoped = tables.filter((t) => t.role === 'scope');
  const entries = (sc: TenantScope) => scoped.map((t) => sc.plan.entries.find((e) => e.table === t.name)!);
  const [there, here] = await Promise.all([
    tenantCounts(ss, sourceScope, entries(sourceScope), tenantId),
    tenantCounts(s, scope, entries(scope), tenantId),
  ]);
  const same = new Set<ManifestTable>();
  for (const [i, t] of scoped.entries()) {
    if (there[i] !== here[i]) continue;
    const [a, b] = await Promise.all([
      serverDigest(ss, sourceScope, t.name, t.columns, tenantId),
      serverDigest(s, scope, t.name, t.columns, tenantId, lock),
    ]);
    if (a !== b) continue;
    t.serverDigest = a;
    t.rows = there[i]!;
    same.add(t);
  }
  return same;
}

/**
 * `fn`, its errors saying they are about the source: 'tenant 1 not found in groups.id' or 'tenant table "groups"
 * does not exist' sent an operator to look in the target, where the tenant and the table were. Driver errors already
 * name the database they came from.
 */
async function onSource<T>(source: Db, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof TenantopsError) || e.code === 'TENANTOPS_E_DB_QUERY' || e.code === 'TENANTOPS_E_DB_CONNECT')
      throw e;
    throw new TenantopsError(e.code, `source ${source.target.redacted}: ${e.message}`, {
      cause: e,
      details: e.details,
    });
  }
}

/**
 * Copies one tenant from `source` (a scratch database restored from a full dump, a delayed replica) into `db`
 * with every guarantee of a restore from an archive, streaming: the source is read in one snapshot, held open
 * while the target is planned, and its rows go straight into the restore planner (DbRowSource), so no archive
 * file is written and memory stays bounded (the plan spools large changes, encrypted, as every restore does). A
 * table whose server digest is the same on both sides is not read at all (unchangedOnBoth).
 * The target side is every restore's (restoreInTransaction): schema check, lock, plan, collisions, shared rows and triggers refused
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
  const report = phaseReporter(opts.onProgress);
  let plan: RestorePlan | null = null;
  try {
    const result = await source.transaction(
      async (ss) => {
        const sourceScope = await onSource(source, () => tenantScope(source, ss, config));
        await onSource(source, () => checkTenant(ss, sourceScope, tenantId));
        const { manifest, reads } = await sourceManifest(source, ss, sourceScope, tenantId, config);
        let read = 0;
        const rows = new DbRowSource(ss, reads, newDigestKind(sourceScope.dialect), (n) =>
          opts.onSourceRows?.((read += n), read),
        );
        // Where this server's digests compare with the source's (same engine and version: every value rendered
        // alike), the planner skips each table whose digest equals the source's (DbRowSource.skip reads nothing)
        // and streams the others, and the target is verified with one digest per table; otherwise every table is
        // merged and verified row by row.
        const src = { path: source.target.redacted, manifest };
        return restoreInTransaction(
          db,
          {
            noun: 'source',
            manifest,
            tenantId,
            config,
            kind: 'tenant',
            safetyOrder: 'exact',
            safetyPassphrase: opts.safetyPassphrase,
            plan: async (s, scope, how) => {
              const unchanged = how.digests
                ? await unchangedOnBoth(ss, sourceScope, s, scope, manifest.tables, tenantId, how.lock)
                : undefined;
              const p = await planFromArchive(s, scope, src, { tenantId, ...how, unchanged }, rows);
              // The source's counts and checksums are known now that every table streamed by or was skipped by
              // its digest (then with no checksum: the digest stands for it, in the verification and the safety
              // backup alike).
              for (const [i, tp] of p.tables.entries()) {
                const t = manifest.tables[i]!;
                tp.archived = t.rows;
                tp.after = { rows: t.rows, sha256: t.sha256, serverDigest: t.serverDigest };
              }
              return p;
            },
            verify: (s, scope, p, digests, onTable) =>
              verifyRestore(s, scope, p, src, { order: 'exact', digests, onTable }, rows),
          },
          opts,
          report,
          (p) => (plan = p),
        );
      },
      { snapshot: true },
    );
    if (!result.dryRun) await runHook('afterRestore', config.hooks.afterRestore, tenantId);
    return { ...result, seconds: (performance.now() - t0) / 1000, source: source.target.redacted };
  } finally {
    if (plan) closePlan(plan);
  }
}
