import { readFileSync } from 'node:fs';
import { errnoText, TenantopsError } from '../../errors/index.ts';
import { objectAddress, type BackupStore } from '../storage/backup-store.ts';
import { getText, putText } from '../storage/store-text.ts';

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

/** Written whole (temp file + rename locally, one PUT in a bucket), so a reader (or a crash) never sees half an index. */
export async function writeRunIndex(store: BackupStore, index: RunIndex): Promise<void> {
  const name = runIndexName(index.runId);
  try {
    await putText(store, name, JSON.stringify(index, null, 2) + '\n');
  } catch (e) {
    if (e instanceof TenantopsError) throw e;
    throw new TenantopsError('TENANTOPS_E_IO', `cannot write ${objectAddress(store, name)}: ${errnoText(e)}`, {
      cause: e,
    });
  }
}

/** A run index from its text; `where` names it in errors. */
export function parseRunIndex(text: string, where: string): RunIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', `run index ${where} cannot be read as JSON`, { cause: e });
  }
  const r = raw as Partial<RunIndex>;
  if (r.format !== RUN_INDEX_FORMAT || r.version !== 1 || !Array.isArray(r.tenants))
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_FORMAT', `${where} is not a tenantops run index (version 1)`);
  return r as RunIndex;
}

export function readRunIndex(path: string): RunIndex {
  return parseRunIndex(readFileSync(path, 'utf8'), path);
}

/**
 * Every run index in a store, oldest first (run ids are UTC stamps, which sort as text); `names`: a listing. An index
 * that cannot be parsed (damaged, or of another version) throws, or, given `onUnreadable`, is reported there and
 * left out: one bad file must not stop every list, restore and nightly run of the directory. Its archives are then
 * outside any index (read from their own manifests); a failure to read the store still throws.
 */
export async function runIndexes(
  store: BackupStore,
  names?: readonly string[],
  onUnreadable?: (error: TenantopsError) => void,
): Promise<RunIndex[]> {
  const all = names ?? (await store.list()).map((o) => o.name);
  const out: RunIndex[] = [];
  for (const n of all.filter(isRunIndexName).sort()) {
    const text = await getText(store, n);
    try {
      out.push(parseRunIndex(text, objectAddress(store, n)));
    } catch (e) {
      if (!onUnreadable || !(e instanceof TenantopsError)) throw e;
      onUnreadable(e);
    }
  }
  return out;
}
