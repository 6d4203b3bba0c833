import { createHash } from 'node:crypto';
import type { BackupConfig } from '../config/backup-config.ts';
import type { TableInfo } from '../schema-info.ts';
import type { Edge, ScopeEntry } from '../scope/scope-plan.ts';
import { VERSION } from '../../version.ts';

export const FORMAT = 'tenantops-tenant-archive';
/**
 * Bump on any incompatible change; readers refuse versions they do not know.
 * 1: rows in the server's order of the primary key. 2: rows in exact order (dump-table), values read exactly
 * (MariaDB FLOAT through DOUBLE, JSON as its text, UTC), and safety backups that hold only what a restore changed.
 * 3: the manifest goes first, with every table's row count but not its checksum, chunk list or server digest, and a
 * seal goes last (archive-seal) with those plus the SHA-256 of every byte before the seal, so integrity is one hash
 * over the file, read without decompressing, and a restore reads the rows at most once after it.
 * 4: format 3's layout; a server digest names its row hash (DigestKind), PostgreSQL's new ones 'hte', so a tool
 * that knows only MD5 digests refuses the archive instead of failing its verification.
 */
export const FORMAT_VERSION = 4;

/**
 * What a table entry of a format 3 manifest head lacks until its rows are written, which the seal holds: its
 * checksum, chunks and server digest (summed from the hashes read beside the rows, so the server reads them once).
 */
export type TableData = Pick<ManifestTable, 'rows' | 'bytes' | 'sha256' | 'chunks' | 'serverDigest'>;
export type TableHead = Omit<ManifestTable, 'bytes' | 'sha256' | 'chunks' | 'serverDigest'>;
/** The manifest as a format 3 archive starts with it: every table and its row count, not yet its checksum. */
export type ManifestHead = Omit<Manifest, 'tables'> & { tables: TableHead[] };

export interface TableFingerprint {
  columns: { name: string; type: string; nullable: boolean }[];
  primaryKey: string[];
  sha256: string;
}

export interface ManifestTable {
  index: number;
  name: string;
  /**
   * 'scope': the tenant's rows (replaced on restore); 'parent': shared rows copied by --include-parents (inserted
   * when missing). In a safety backup ('undo' archive): 'undo-put', rows to put back as they were; 'undo-remove',
   * the identities of rows the restore added, to remove.
   */
  role: 'scope' | 'parent' | 'undo-put' | 'undo-remove';
  how: string;
  detail: string;
  columns: string[];
  fingerprint: TableFingerprint;
  rows: number;
  bytes: number;
  sha256: string;
  chunks: string[];
  /**
   * The server's own digest of these rows (`n:s:x`, see BackupDialect.digestQuery), taken in the backup's snapshot.
   * Comparable only on the same engine and server version; a restore there skips a table whose digest is unchanged
   * and checks every table's digest before COMMIT. Absent in older archives.
   */
  serverDigest?: string;
}

export interface ManifestExternalRef extends Edge {
  /** Distinct referenced keys, each as an array of text values. */
  keys: string[][];
}

export interface TableDigest {
  rows: number;
  sha256: string;
  /** The columns the digest covers (safety backups), in order. */
  columns?: string[];
  /**
   * The server's digest of the same rows (ManifestTable.serverDigest), where it is known: a table a restore skipped
   * by its digest. Restoring a safety backup checks such a table by it where digests compare, which is the only
   * check possible when `sha256` is empty (restore --from-db reads no row of a table it skips).
   */
  serverDigest?: string;
}

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  /** 'tenant' (absent in format 1): the tenant's rows. 'undo': a safety backup, the inverse of one restore. */
  kind?: 'tenant' | 'undo';
  /** How rows are sorted; absent in format 1 ('native'). */
  order?: 'exact' | 'native';
  /** Undo archives: each in-scope table's digest before the restore, which restoring the undo must give back. */
  before?: Record<string, TableDigest>;
  toolVersion: string;
  engine: string;
  serverVersion: string;
  database: string;
  tenantId: string;
  createdAt: string;
  encrypted: boolean;
  includeParents: boolean;
  config: BackupConfig;
  plan: {
    entries: Pick<ScopeEntry, 'table' | 'how' | 'detail'>[];
    outOfScope: { table: string; reason: string }[];
    warnings: string[];
  };
  tables: ManifestTable[];
  external: ManifestExternalRef[];
}

export function fingerprint(t: TableInfo, columns: readonly string[]): TableFingerprint {
  const cols = columns.map((n) => {
    const c = t.columns.find((x) => x.name === n)!;
    return { name: c.name, type: c.type, nullable: c.nullable };
  });
  const sha256 = createHash('sha256')
    .update(JSON.stringify({ cols, pk: t.primaryKey }))
    .digest('hex');
  return { columns: cols, primaryKey: [...t.primaryKey], sha256 };
}

/** Columns a backup reads and a restore writes: generated columns are computed by the server. */
export function dataColumns(t: TableInfo): string[] {
  return t.columns.filter((c) => !c.generated).map((c) => c.name);
}

/** Who wrote an archive, from where, for which tenant: the fields every manifest starts with. */
export interface ManifestSource {
  engine: string;
  serverVersion: string;
  database: string;
  tenantId: string;
  encrypted: boolean;
  config: BackupConfig;
}

/** The manifest fields a tenant archive and a safety backup share; each adds its kind, order, tables and extras. */
export function manifestHead(
  src: ManifestSource,
  plan: { entries: ScopeEntry[]; outOfScope: Manifest['plan']['outOfScope']; warnings: string[] },
): Omit<Manifest, 'kind' | 'order' | 'includeParents' | 'tables' | 'external'> {
  return {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    toolVersion: VERSION,
    ...src,
    createdAt: new Date().toISOString(),
    plan: {
      entries: plan.entries.map(({ table, how, detail }) => ({ table, how, detail })),
      outOfScope: plan.outOfScope,
      warnings: plan.warnings,
    },
  };
}
