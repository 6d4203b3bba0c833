/** `20240131T020304Z`: the UTC time in an archive's or a run's name (sorts as text in time order). */
export function compactUtc(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** The ISO time a compact UTC stamp stands for, or null when it is not one. */
export function parseCompactUtc(stamp: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!m) return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Characters a tenant id may keep in a file name; the rest become `_` (the index and manifest hold the real id). */
export function fileSafeTenant(tenantId: string): string {
  return tenantId.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** `tenant-<id>-<YYYYMMDDTHHMMSSZ>.tnt`: one tenant's archive of a fleet run. */
export function archiveFileName(tenantId: string, at: Date): string {
  return `tenant-${fileSafeTenant(tenantId)}-${compactUtc(at)}.tnt`;
}

/** The tenant (as written in the name) and time of a fleet archive's file name, or null for any other file. */
export function parseArchiveFileName(name: string): { tenant: string; at: Date } | null {
  const m = /^tenant-(.+)-(\d{8}T\d{6}Z)\.tnt$/.exec(name);
  const at = m ? parseCompactUtc(m[2]!) : null;
  return m && at ? { tenant: m[1]!, at } : null;
}
