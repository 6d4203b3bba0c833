import { createHash } from 'node:crypto';

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

/**
 * Longest tenant part of a name: file systems take 255 bytes per name, and the archive is first written as
 * `<name>.partial`; past it the name ends in a hash of the id instead.
 */
const MAX_NAME_PART = 160;
const SAFE_BYTE = /^[a-z0-9_-]$/;

/**
 * A tenant id as it appears in a file or object name, one name per id, also where names are compared without
 * case (an SMB share, macOS, Windows): lower-case letters, digits, `_` and `-` stay, every other byte of its UTF-8
 * becomes `%XX` (`%` and capitals too: `Acme` is `%41cme`), so `a/b`, `a.b`, `a_b`, `Acme` and `acme` get five
 * names (replacing the rest with `_` made `a/b`, `a.b` and `a_b` one file, each tenant's archive overwriting the
 * others'). An id whose name would pass MAX_NAME_PART is cut and ends in `~` and 16 hex digits of its SHA-256 (`~`
 * never appears otherwise).
 */
export function fileSafeTenant(tenantId: string): string {
  let safe = '';
  for (const b of Buffer.from(tenantId, 'utf8'))
    safe += SAFE_BYTE.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  if (safe.length <= MAX_NAME_PART) return safe;
  // Cut before an escape, never inside one, so the kept part still decodes.
  const head = safe.slice(0, MAX_NAME_PART - 17).replace(/%[0-9A-F]?$/, '');
  return `${head}~${createHash('sha256').update(tenantId).digest('hex').slice(0, 16)}`;
}

/** `tenant-<id>-<YYYYMMDDTHHMMSSZ>.tnt`: one tenant's archive of a fleet run. */
export function archiveFileName(tenantId: string, at: Date): string {
  return `tenant-${fileSafeTenant(tenantId)}-${compactUtc(at)}.tnt`;
}

/**
 * The tenant and time of a fleet archive's file name, or null for any other file. `stem` is the tenant part as
 * written; `tenant` is the id it encodes, or null where the name cannot say (a cut long id); names written before
 * ids were escaped (`_` for every other character) read as the id they spell.
 */
export function parseArchiveFileName(name: string): { tenant: string | null; stem: string; at: Date } | null {
  const m = /^tenant-(.*)-(\d{8}T\d{6}Z)\.tnt$/.exec(name);
  const at = m ? parseCompactUtc(m[2]!) : null;
  if (!m || !at) return null;
  const stem = m[1]!;
  let tenant: string | null = null;
  if (!stem.includes('~'))
    try {
      tenant = decodeURIComponent(stem);
    } catch {
      tenant = stem;
    }
  return { tenant, stem, at };
}
