import { listArchives, pickArchive, type ArchiveEntry, type BackupStore } from '../backup/index.ts';
import { TenantopsError } from '../errors/index.ts';
import type { CliIo } from './command.ts';
import { unreadableIndexWarning } from './unreadable-index-warning.ts';

const AT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?)?$/i;

/**
 * An --at value: ISO 8601, a date (00:00 UTC) or a date-time, `T` or a space between; without an offset it is UTC,
 * like every time tenantops writes. Parsed here rather than by Date.parse, which takes a date-time without an
 * offset as local time when a space separates it and rolls 2025-02-30 over to March 2.
 */
export function parseAt(raw: string | undefined, now = new Date()): Date {
  if (raw === undefined) return now;
  const m = AT.exec(raw.trim());
  const n = (i: number) => Number(m?.[i] ?? 0);
  const [y, mo, d, h, mi, s, offH, offM] = [n(1), n(2), n(3), n(4), n(5), n(6), n(10), n(11)];
  const ms = Number(`0.${m?.[7] ?? 0}`) * 1000;
  const off = (m?.[9] === '-' ? -1 : 1) * (offH * 60 + offM);
  const day = new Date(Date.UTC(y, mo - 1, d));
  const valid = !!m && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && h <= 23 && mi <= 59 && s <= 59;
  if (!valid || offH > 23 || offM > 59)
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `--at ${JSON.stringify(raw)} is not an ISO 8601 time (e.g. 2025-03-01T02:00:00Z, 2025-03-01T04:00+02:00, 2025-03-01)`,
    );
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s) + ms - off * 60_000);
}

/** The archive --from-dir picked, and the newest one before it not known to be damaged (for when it is). */
export interface PickedArchive extends ArchiveEntry {
  before: ArchiveEntry | null;
}

/**
 * The refusal of a picked archive that cannot be used, naming the one before it and the --at that takes it: the
 * operator asked for the tenant as of a time, so an older archive is never restored in its place unasked.
 */
export function unusablePick(
  pick: ArchiveEntry,
  before: ArchiveEntry | null,
  tenant: string,
  when: string,
  problem: string,
  cause?: unknown,
): TenantopsError {
  return new TenantopsError(
    'TENANTOPS_E_ARCHIVE_CORRUPT',
    `${pick.file}, the newest archive of tenant ${tenant}${when}, cannot be used (${problem})` +
      (before
        ? `; the newest usable one before it is ${before.file}: add --at ${before.takenAt.toISOString()}`
        : '; no older archive of the tenant is usable'),
    cause === undefined ? {} : { cause },
  );
}

/** The newest archive of the tenant in `dir` taken at or before --at; says which on stderr. */
export async function archiveAt(
  dir: BackupStore,
  tenant: string,
  at: string | undefined,
  passphrase: string | undefined,
  io: CliIo,
): Promise<PickedArchive> {
  // Without --at, the newest archive, even one stamped after this machine's clock (the backup host's runs ahead):
  // "at or before now" would pass it over for an older one without a word.
  // A time without fractional seconds stands for its whole second: `backups list` and the archive names show
  // times to the second while a snapshot's is to the millisecond, and the time an operator copies from the list
  // must pick that archive (14:49:46Z took the archive of 14:49:46.861Z for one taken after it).
  const when = at === undefined ? new Date(8.64e15) : new Date(parseAt(at).getTime() + (/\.\d/.test(at) ? 0 : 999));
  const before = at === undefined ? '' : ` taken at or before ${when.toISOString()}`;
  const list = await listArchives(dir, {
    tenant,
    passphrase,
    onUnreadableIndex: unreadableIndexWarning(io, 'its archives are listed from their own manifests'),
  });
  const pick = pickArchive(list, when);
  if (!pick) {
    const oldest = list[0]?.takenAt.toISOString();
    throw new TenantopsError(
      'TENANTOPS_E_NO_ARCHIVE',
      `no archive of tenant ${tenant} in ${dir.location}${before}` +
        (oldest ? ` (the oldest is from ${oldest})` : ' (it has none)'),
    );
  }
  const older = pickArchive(
    list.filter((a) => !a.problem && a.takenAt < pick.takenAt),
    when,
  );
  // Not an older archive in its place without a word: the operator asked for the tenant as of this time.
  if (pick.problem) throw unusablePick(pick, older, tenant, before, pick.problem);
  // The source database too: a directory can hold archives of staging and production, each with a tenant 1.
  io.stderr.write(
    `using ${pick.file} (tenant ${tenant} as of ${pick.takenAt.toISOString()}${pick.database ? `, from ${pick.database}` : ''})\n`,
  );
  return { ...pick, before: older };
}
