import type { BackupDialect } from './dialect/backup-dialect.ts';

/**
 * How the rows of a server digest were hashed (BackupDialect.rowHash). 'md5': the MD5 of each row's text, what
 * every archive before this kind recorded, so a digest without a prefix is md5. 'hte': PostgreSQL's
 * `hashtextextended` of the row's text with seeds 0 and 1, summed and XORed with integer arithmetic on the server:
 * a third of md5's cost there (no MD5, no hex text to parse back per row). A digest names any other kind as a
 * prefix, `hte:n:s:x`, so two kinds never compare equal.
 */
export type DigestKind = 'md5' | 'hte';

/** The kind new digests are taken with on this engine (what rowHash and digestQuery default to). */
export function newDigestKind(d: Pick<BackupDialect, 'digestKinds'>): DigestKind {
  return d.digestKinds[0]!;
}

/** `kind:`, or nothing for md5. */
export function digestPrefix(kind: DigestKind): string {
  return kind === 'md5' ? '' : `${kind}:`;
}

/**
 * The kind a recorded digest was taken with, if this engine can take the same one; undefined for a kind it does
 * not compute (another engine's, or a later tenantops's), which the caller treats as a digest it cannot compare.
 */
export function digestKindOf(digest: string, d: Pick<BackupDialect, 'digestKinds'>): DigestKind | undefined {
  const m = /^([a-z][a-z0-9]*):/.exec(digest);
  const kind = (m ? m[1] : 'md5') as DigestKind;
  return d.digestKinds.includes(kind) ? kind : undefined;
}

/** The row count a digest records (its `n`), whatever its kind. */
export function digestRowCount(digest: string): number {
  return Number(digest.replace(/^[a-z][a-z0-9]*:/, '').split(':')[0]);
}
