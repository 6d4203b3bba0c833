import { listArchives, pickArchive, type ArchiveEntry, type BackupStore } from '../backup/index.ts';
import { TenantopsError } from '../errors/index.ts';
import type { CliIo } from './command.ts';

/** An --at value: ISO 8601; a date-time without an offset is taken as UTC, like every time tenantops writes. */
export function parseAt(raw: string | undefined, now = new Date()): Date {
  if (raw === undefined) return now;
  const iso = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(raw) ? `${raw}Z` : raw;
  const ok = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(iso);
  const t = ok ? Date.parse(iso.replace(' ', 'T')) : NaN;
  if (Number.isNaN(t))
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `--at ${JSON.stringify(raw)} is not an ISO 8601 time (e.g. 2025-03-01T02:00:00Z)`,
    );
  return new Date(t);
}

/** The newest archive of the tenant in `dir` taken at or before --at; says which on stderr. */
export async function archiveAt(
  dir: BackupStore,
  tenant: string,
  at: string | undefined,
  passphrase: string | undefined,
  io: CliIo,
): Promise<ArchiveEntry> {
  const when = parseAt(at);
  const list = await listArchives(dir, { tenant, passphrase });
  const pick = pickArchive(list, when);
  if (!pick) {
    const oldest = list[0]?.takenAt.toISOString();
    throw new TenantopsError(
      'TENANTOPS_E_NO_ARCHIVE',
      `no archive of tenant ${tenant} in ${dir.location} taken at or before ${when.toISOString()}` +
        (oldest ? ` (the oldest is from ${oldest})` : ' (it has none)'),
    );
  }
  io.stderr.write(`using ${pick.file} (tenant ${tenant} as of ${pick.takenAt.toISOString()})\n`);
  return pick;
}
