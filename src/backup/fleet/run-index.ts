import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TenantopsError } from '../../errors/index.ts';

export const RUN_INDEX_FORMAT = 'tenantops-backup-run';

/** One tenant's line in a run's index. */
export interface RunTenant {
  tenant: string;
  result: 'ok' | 'failed';
  /** The archive's file name, in the run's directory (ok only). */
  file?: string;
  rows?: number;
  /** Size of the archive file. */
  bytes?: number;
  /** SHA-256 of the archive file (not of its contents: that is what `sha256sum` of the file gives). */
  sha256?: string;
  seconds: number;
  /** When the tenant's snapshot was taken (for a shared snapshot: when it was exported). */
  snapshotAt?: string;
  error?: { code: string; message: string };
}

/**
 * The index of one `backup --all-tenants` run, `tenantops-run-<id>.json` in the output directory. It is rewritten
 * (atomically) after every tenant, so an interrupted run leaves an index of what it finished, which a re-run
 * continues.
 */
export interface RunIndex {
  format: typeof RUN_INDEX_FORMAT;
  version: 1;
  runId: string;
  startedAt: string;
  /** Null while the run is going (or after it was interrupted). */
  finishedAt: string | null;
  engine: string;
  database: string;
  /**
   * 'shared': every tenant backed up by one process invocation read one snapshot (PostgreSQL exported snapshot);
   * 'per-tenant': each tenant is its own consistent snapshot, taken when its backup started.
   */
  consistency: 'shared' | 'per-tenant';
  encrypted: boolean;
  /** How many times the run was continued after an interruption or failures. */
  resumed: number;
  tenants: RunTenant[];
}

export function runIndexName(runId: string): string {
  return `tenantops-run-${runId}.json`;
}

export function isRunIndexName(name: string): boolean {
  return /^tenantops-run-\d{8}T\d{6}Z\.json$/.test(name);
}

/** Write to a temp name and rename, so a reader (or a crash) never sees half an index. */
export function writeRunIndex(dir: string, index: RunIndex): void {
  const path = join(dir, runIndexName(index.runId));
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(index, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new TenantopsError(
      'TENANTOPS_E_IO',
      `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
}

export function readRunIndex(path: string): RunIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', `run index ${path} cannot be read as JSON`, { cause: e });
  }
  const r = raw as Partial<RunIndex>;
  if (r.format !== RUN_INDEX_FORMAT || r.version !== 1 || !Array.isArray(r.tenants))
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_FORMAT', `${path} is not a tenantops run index (version 1)`);
  return r as RunIndex;
}

/** Every run index in a directory, oldest first (run ids are UTC stamps, which sort as text). */
export function runIndexes(dir: string): RunIndex[] {
  return readdirSync(dir)
    .filter(isRunIndexName)
    .sort()
    .map((n) => readRunIndex(join(dir, n)));
}
