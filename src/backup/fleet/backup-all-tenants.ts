import type { Db } from '../../db/index.ts';
import { isTenantopsError, TenantopsError } from '../../errors/index.ts';
import { backupTenant } from '../backup-tenant.ts';
import type { BackupConfig } from '../config/backup-config.ts';
import { tenantIds } from '../tenant-ids.ts';
import { tenantScope, type TenantScope } from '../tenant-scope.ts';
import { columnGaps } from '../column-gaps.ts';
import { archiveFileName, compactUtc } from './archive-name.ts';
import { IndexSaver } from './index-saver.ts';
import { objectSha256 } from './object-sha256.ts';
import { verifyStoredArchive } from './verify-stored-archive.ts';
import { acquireRunLock, RUN_LOCK_STALE_MS, type RunLock, type RunLockInfo } from './run-lock.ts';
import type { ArchiveSink } from '../archive/archive-sink.ts';
import { objectAddress, type BackupStore } from '../storage/backup-store.ts';
import { LocalDirStore } from '../storage/local-dir-store.ts';
import {
  RUN_INDEX_FORMAT,
  runIndexes,
  runIndexName,
  writeRunIndex,
  type RunIndex,
  type RunTenant,
} from './run-index.ts';

export interface BackupAllOptions {
  config: BackupConfig;
  /** A directory, or any store (an S3 bucket prefix). */
  outDir: string | BackupStore;
  passphrase?: string;
  /**
   * Tenants backed up at once, each on its own connections: the Db's pool needs 2N + 1 where the snapshot is shared
   * (two readers per tenant and the exporter), else N.
   */
  parallel?: number;
  /**
   * A run younger than this that did not finish, or finished with failures, is continued instead of starting a
   * new one: its tenants whose archive is still there with the recorded SHA-256 are skipped. 0: always a new run.
   */
  resumeWithinHours?: number;
  includeParents?: boolean;
  /**
   * After each tenant: how many of this invocation's tenants are finished, of how many; `entry` is null for a
   * tenant deleted since the run listed it (BackupAllResult.gone).
   */
  onTenant?: (done: number, total: number, entry: RunTenant | null) => void;
  /**
   * Called (and awaited) once the tenants to back up are known, after the shared snapshot is taken and before the
   * first tenant's backup; skipped: tenants already done in the run being continued; notes: what no archive of
   * this schema holds (column-gaps.ts), the same for every tenant.
   */
  onStart?: (info: {
    runId: string;
    total: number;
    skipped: number;
    resumed: boolean;
    notes: string[];
  }) => void | Promise<void>;
  now?: () => Date;
  /**
   * The location's run lock, when the caller took it (and releases it); else the run takes it, or refuses with
   * TENANTOPS_E_RUN_LOCKED, and releases it when it ends.
   */
  lock?: RunLock;
  /** A dead run's lock was taken over (run-lock.ts). */
  onLockTakeover?: (was: RunLockInfo, why: string) => void;
  /** A run index in `outDir` that cannot be parsed: left out (its tenants are not taken as done), reported here. */
  onUnreadableIndex?: (error: TenantopsError) => void;
}

export interface BackupAllResult {
  index: RunIndex;
  /** Where the index is: a path, or an s3:// address. */
  indexPath: string;
  /** Unfinished files of killed runs removed from the store before this run (see STALE_PARTIAL_MS). */
  removedStale: string[];
  /** Tenants backed up by this invocation (ok or failed); the rest of the index was done before. */
  ran: RunTenant[];
  /**
   * Tenants that no longer exist: deleted after this run listed them (where each tenant has its own snapshot), or
   * failed in the run being continued and gone since. Not backed up and not failures: nothing is left to back up.
   */
  gone: string[];
  skipped: number;
  seconds: number;
}

/**
 * A `.partial` left in the output directory by a run that was killed (SIGKILL, power loss: no handler ran) takes
 * space forever, and a tenant's can be as large as its archive. One nothing wrote to for an hour is no live writer's.
 */
const STALE_PARTIAL_MS = 3600_000;

/** An entry is done when its archive is still in the store, byte for byte the one the index recorded. */
async function stillDone(store: BackupStore, sizes: Map<string, number>, t: RunTenant): Promise<boolean> {
  if (t.result !== 'ok' || !t.file || !t.sha256) return false;
  if (sizes.get(t.file) !== t.bytes) return false;
  return (await objectSha256(store, t.file)).sha256 === t.sha256;
}

/** The run's UTC stamp; a second run started within the same second takes the next free one. */
function freeRunId(names: Set<string>, at: Date): string {
  let t = at.getTime();
  while (names.has(runIndexName(compactUtc(new Date(t))))) t += 1000;
  return compactUtc(new Date(t));
}

/**
 * The run this one continues: the newest, if unfinished or with failures, young enough, and of the same database
 * and encryption. A run of another database (staging and production into one DIR) would otherwise count its
 * tenants as done for this one, which then backed up none of them; a run without --encrypt would leave its
 * plaintext archives in a run the operator asked to encrypt (and the reverse).
 */
function runToContinue(
  indexes: RunIndex[],
  within: number,
  now: Date,
  same: Pick<RunIndex, 'engine' | 'database' | 'encrypted'>,
): RunIndex | null {
  if (within <= 0) return null;
  const last = indexes.at(-1);
  if (!last) return null;
  const unfinished = last.finishedAt === null || last.tenants.some((t) => t.result !== 'ok');
  const young = now.getTime() - Date.parse(last.startedAt) < within * 3600_000;
  const sameRun = last.engine === same.engine && last.database === same.database && !!last.encrypted === same.encrypted;
  return unfinished && young && sameRun ? last : null;
}

/**
 * Backs up every tenant of the tenant table into its own verified archive in `outDir`, writing the run's index
 * after each tenant. One tenant's failure is recorded and the others go on (house rule: a result per item).
 * Where the engine can share a snapshot (Db.sharedSnapshot), every tenant is read from one point in time;
 * elsewhere each tenant is its own consistent snapshot.
 */
export async function backupAllTenants(db: Db, opts: BackupAllOptions): Promise<BackupAllResult> {
  const t0 = performance.now();
  const now = opts.now ?? (() => new Date());
  const store = typeof opts.outDir === 'string' ? new LocalDirStore(opts.outDir) : opts.outDir;
  await store.prepare();
  const lock =
    opts.lock ?? (await acquireRunLock(store, { command: 'backup --all-tenants', onTakeover: opts.onLockTakeover }));
  try {
    return await backupLocked(db, store, opts, lock, t0, now);
  } finally {
    if (!opts.lock) await lock.release();
  }
}

async function backupLocked(
  db: Db,
  store: BackupStore,
  opts: BackupAllOptions,
  lock: RunLock,
  t0: number,
  now: () => Date,
): Promise<BackupAllResult> {
  // A run whose lock this one took over is dead: its unfinished files go now, not an hour after they were last
  // written (for a nightly schedule, the next night).
  const deadRun = lock.tookOver?.command === 'backup --all-tenants';
  const removedStale = (await store.removeStale?.(deadRun ? 0 : STALE_PARTIAL_MS)) ?? [];
  const listing = await store.list();
  const names = new Set(listing.map((o) => o.name));
  const started = now();
  const previous = runToContinue(
    await runIndexes(store, [...names], opts.onUnreadableIndex ?? (() => undefined)),
    opts.resumeWithinHours ?? 20,
    started,
    { engine: db.target.engine, database: db.target.redacted, encrypted: !!opts.passphrase },
  );
  const index: RunIndex = previous
    ? { ...previous, finishedAt: null, resumed: previous.resumed + 1 }
    : {
        format: RUN_INDEX_FORMAT,
        version: 1,
        runId: freeRunId(names, started),
        startedAt: started.toISOString(),
        finishedAt: null,
        engine: db.target.engine,
        database: db.target.redacted,
        consistency: db.sharedSnapshot ? 'shared' : 'per-tenant',
        encrypted: !!opts.passphrase,
        resumed: 0,
        tenants: [],
      };
  // A run whose lock another run took over (this one was frozen past the stale age) no longer writes the index:
  // the other run may be continuing the same one.
  const saver = new IndexSaver(index, async (copy) => {
    if (!lock.lost) await writeRunIndex(store, copy);
  });
  const done = new Set<string>();
  const sizes = new Map(listing.map((o) => [o.name, o.bytes]));
  for (const t of index.tenants) if (await stillDone(store, sizes, t)) done.add(t.tenant);

  const gone: string[] = [];
  const run = async (snapshotId: string | undefined): Promise<RunTenant[]> => {
    const snapshotAt = snapshotId ? now().toISOString() : undefined;
    // The schema and scope plan are read once for the run, with the tenant list, and shared by every tenant's
    // backup: introspection was a fixed cost per tenant as large as the backup of a small tenant.
    const { ids, scope } = await db.transaction(
      async (s) => {
        const scope = await tenantScope(db, s, opts.config);
        return { ids: await tenantIds(s, scope), scope };
      },
      { snapshot: true, snapshotId },
    );
    // A failed line of a tenant that is not a tenant any more would keep the run failed for good: no re-run retries
    // it. An ok line stays: its archive is a good backup of the tenant as it was.
    const listed = new Set(ids);
    for (const t of index.tenants) if (t.result !== 'ok' && !listed.has(t.tenant)) gone.push(t.tenant);
    index.tenants = index.tenants.filter((t) => t.result === 'ok' || listed.has(t.tenant));
    const todo = ids.filter((id) => !done.has(id));
    await opts.onStart?.({
      runId: index.runId,
      total: todo.length,
      skipped: ids.length - todo.length,
      resumed: !!previous,
      notes: columnGaps(scope),
    });
    await saver.now();
    const ran: RunTenant[] = [];
    let finished = 0;
    const queue = [...todo];
    const worker = async () => {
      // No new tenant once the lock is lost; the ones in flight finish (their archives have names of their own).
      for (let id = queue.shift(); id !== undefined && !lock.lost; id = queue.shift()) {
        const at = now();
        const file = freeArchiveName(names, id, at);
        names.add(file);
        const entry = await backupOne(db, store, id, file, opts, scope, snapshotId, snapshotAt ?? at.toISOString());
        finished++;
        if (entry === 'gone') {
          names.delete(file);
          gone.push(id);
          index.tenants = index.tenants.filter((t) => t.tenant !== id);
          saver.soon();
          opts.onTenant?.(finished, todo.length, null);
          continue;
        }
        ran.push(entry);
        // Replaces the tenant's earlier line (a failure being retried); the file is rewritten whole each time.
        index.tenants = [...index.tenants.filter((t) => t.tenant !== id), entry];
        saver.soon();
        opts.onTenant?.(finished, todo.length, entry);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 1, todo.length)) }, worker));
    return ran;
  };
  let ran: RunTenant[];
  try {
    ran = db.sharedSnapshot ? await db.sharedSnapshot(run) : await run(undefined);
  } catch (e) {
    // The lines of the tenants finished so far, so a re-run skips them; the run's own error is the one to report.
    await saver.flush().catch(() => undefined);
    throw e;
  }
  if (lock.lost)
    throw new TenantopsError(
      'TENANTOPS_E_RUN_LOCKED',
      `another run took over ${store.location} while this one was not refreshing its lock (stopped or suspended ` +
        `for over ${RUN_LOCK_STALE_MS / 60_000} min); this run stopped after ${ran.length} tenants and left the index to it`,
    );
  index.finishedAt = now().toISOString();
  await saver.flush();
  return {
    index,
    indexPath: objectAddress(store, runIndexName(index.runId)),
    ran,
    gone,
    removedStale,
    skipped: done.size,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The tenant's archive name for `at`, or for the next second that has none: names are to the second, and a run
 * started within the second another run (or this one, before) wrote the tenant's archive would replace that archive,
 * whose run index then named a file with another SHA-256 (prune and `backups list --verify` called it damaged).
 */
function freeArchiveName(names: Set<string>, tenantId: string, at: Date): string {
  let t = at.getTime();
  while (names.has(archiveFileName(tenantId, new Date(t)))) t += 1000;
  return archiveFileName(tenantId, new Date(t));
}

async function backupOne(
  db: Db,
  store: BackupStore,
  tenantId: string,
  file: string,
  opts: BackupAllOptions,
  scope: TenantScope,
  snapshotId: string | undefined,
  snapshotAt: string,
): Promise<RunTenant | 'gone'> {
  const t0 = performance.now();
  let written = false;
  let sink: ArchiveSink | undefined;
  try {
    sink = store.put(file);
    const r = await backupTenant(db, {
      tenantId,
      config: opts.config,
      out: sink,
      passphrase: opts.passphrase,
      includeParents: opts.includeParents,
      snapshotId,
      scope,
      // A second reader joins the run's exported snapshot for one statement; where there is none (MariaDB) it would
      // take a commit-blocking BACKUP STAGE per tenant, and most tenants of a fleet have no table large enough.
      // Only where the pool has room for every worker's two: workers that each hold one and wait for another would
      // wait on each other.
      readers: snapshotId && db.poolStats().max >= 2 * (opts.parallel ?? 1) + 1 ? 2 : 1,
    });
    written = true;
    // Verified as a restore would verify it, read back from the store (every table's row count and checksum);
    // the same read gives the SHA-256 and size of the stored bytes, which a re-run compares.
    const { sha256, bytes } = await verifyStoredArchive(store, file, opts.passphrase);
    return {
      tenant: tenantId,
      result: 'ok',
      file,
      rows: r.manifest.tables.reduce((n, t) => n + t.rows, 0),
      bytes,
      sha256,
      seconds: (performance.now() - t0) / 1000,
      snapshotAt,
    };
  } catch (e) {
    // A backup that failed before its archive was begun still holds an open sink (a .partial, an upload).
    if (!written) await sink?.abort();
    // A written archive that failed verification must not be mistaken for a good one.
    if (written) await store.delete(file).catch(() => undefined);
    // Listed by the run, deleted before its own snapshot (each tenant has one where the snapshot is not shared).
    if (isTenantopsError(e) && e.code === 'TENANTOPS_E_TENANT_NOT_FOUND' && !snapshotId) return 'gone';
    return {
      tenant: tenantId,
      result: 'failed',
      seconds: (performance.now() - t0) / 1000,
      error: {
        code: isTenantopsError(e) ? e.code : 'TENANTOPS_E_INTERNAL',
        message: (e as Error).message,
      },
    };
  }
}
