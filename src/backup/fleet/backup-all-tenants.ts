import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../db/index.ts';
import { isTenantopsError } from '../../errors/index.ts';
import { backupTenant } from '../backup-tenant.ts';
import type { BackupConfig } from '../config/backup-config.ts';
import { tenantIds } from '../tenant-ids.ts';
import { tenantScope } from '../tenant-scope.ts';
import { verifyArchive } from '../verify-archive.ts';
import { archiveFileName, compactUtc } from './archive-name.ts';
import { fileSha256 } from './file-sha256.ts';
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
  outDir: string;
  passphrase?: string;
  /** Tenants backed up at once, each in its own transaction on its own connection (the Db's pool needs N + 1). */
  parallel?: number;
  /**
   * A run younger than this that did not finish, or finished with failures, is continued instead of starting a
   * new one: its tenants whose archive is still there with the recorded SHA-256 are skipped. 0: always a new run.
   */
  resumeWithinHours?: number;
  includeParents?: boolean;
  /** After each tenant: how many of this invocation's tenants are finished, of how many. */
  onTenant?: (done: number, total: number, entry: RunTenant) => void;
  /**
   * Called (and awaited) once the tenants to back up are known, after the shared snapshot is taken and before the
   * first tenant's backup; skipped: tenants already done in the run being continued.
   */
  onStart?: (info: { runId: string; total: number; skipped: number; resumed: boolean }) => void | Promise<void>;
  now?: () => Date;
}

export interface BackupAllResult {
  index: RunIndex;
  indexPath: string;
  /** Tenants backed up by this invocation (ok or failed); the rest of the index was done before. */
  ran: RunTenant[];
  skipped: number;
  seconds: number;
}

/** An entry is done when its archive is still in the directory, byte for byte the one the index recorded. */
async function stillDone(dir: string, t: RunTenant): Promise<boolean> {
  if (t.result !== 'ok' || !t.file || !t.sha256) return false;
  const path = join(dir, t.file);
  if (!existsSync(path) || statSync(path).size !== t.bytes) return false;
  return (await fileSha256(path)) === t.sha256;
}

/** The run's UTC stamp; a second run started within the same second takes the next free one. */
function freeRunId(dir: string, at: Date): string {
  let t = at.getTime();
  while (existsSync(join(dir, runIndexName(compactUtc(new Date(t)))))) t += 1000;
  return compactUtc(new Date(t));
}

function runToContinue(dir: string, within: number, now: Date): RunIndex | null {
  if (within <= 0) return null;
  const last = runIndexes(dir).at(-1);
  if (!last) return null;
  const unfinished = last.finishedAt === null || last.tenants.some((t) => t.result !== 'ok');
  const young = now.getTime() - Date.parse(last.startedAt) < within * 3600_000;
  return unfinished && young ? last : null;
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
  mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  const started = now();
  const previous = runToContinue(opts.outDir, opts.resumeWithinHours ?? 20, started);
  const index: RunIndex = previous
    ? { ...previous, finishedAt: null, resumed: previous.resumed + 1 }
    : {
        format: RUN_INDEX_FORMAT,
        version: 1,
        runId: freeRunId(opts.outDir, started),
        startedAt: started.toISOString(),
        finishedAt: null,
        engine: db.target.engine,
        database: db.target.redacted,
        consistency: db.sharedSnapshot ? 'shared' : 'per-tenant',
        encrypted: !!opts.passphrase,
        resumed: 0,
        tenants: [],
      };
  const done = new Set<string>();
  for (const t of index.tenants) if (await stillDone(opts.outDir, t)) done.add(t.tenant);

  const run = async (snapshotId: string | undefined): Promise<RunTenant[]> => {
    const snapshotAt = snapshotId ? now().toISOString() : undefined;
    const ids = await db.transaction(async (s) => tenantIds(s, await tenantScope(db, s, opts.config)), {
      snapshot: true,
      snapshotId,
    });
    const todo = ids.filter((id) => !done.has(id));
    await opts.onStart?.({
      runId: index.runId,
      total: todo.length,
      skipped: ids.length - todo.length,
      resumed: !!previous,
    });
    writeRunIndex(opts.outDir, index);
    const ran: RunTenant[] = [];
    const queue = [...todo];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const at = now();
        const entry = await backupOne(db, id, opts, snapshotId, snapshotAt ?? at.toISOString(), at);
        ran.push(entry);
        // Replaces the tenant's earlier line (a failure being retried); the file is rewritten whole each time.
        index.tenants = [...index.tenants.filter((t) => t.tenant !== id), entry];
        writeRunIndex(opts.outDir, index);
        opts.onTenant?.(ran.length, todo.length, entry);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 1, todo.length)) }, worker));
    return ran;
  };
  const ran = db.sharedSnapshot ? await db.sharedSnapshot(run) : await run(undefined);
  index.finishedAt = now().toISOString();
  writeRunIndex(opts.outDir, index);
  return {
    index,
    indexPath: join(opts.outDir, runIndexName(index.runId)),
    ran,
    skipped: done.size,
    seconds: (performance.now() - t0) / 1000,
  };
}

async function backupOne(
  db: Db,
  tenantId: string,
  opts: BackupAllOptions,
  snapshotId: string | undefined,
  snapshotAt: string,
  at: Date,
): Promise<RunTenant> {
  const t0 = performance.now();
  const file = archiveFileName(tenantId, at);
  const path = join(opts.outDir, file);
  let written = false;
  try {
    const r = await backupTenant(db, {
      tenantId,
      config: opts.config,
      out: path,
      passphrase: opts.passphrase,
      includeParents: opts.includeParents,
      snapshotId,
    });
    written = true;
    // Verified as a restore would verify it: every table's row count and checksum, read back from the file.
    await verifyArchive(path, opts.passphrase);
    return {
      tenant: tenantId,
      result: 'ok',
      file,
      rows: r.manifest.tables.reduce((n, t) => n + t.rows, 0),
      bytes: statSync(path).size,
      sha256: await fileSha256(path),
      seconds: (performance.now() - t0) / 1000,
      snapshotAt,
    };
  } catch (e) {
    // A written archive that failed verification must not be mistaken for a good one.
    if (written) rmSync(path, { force: true });
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
