import type { Db, DbSession } from '../db/index.ts';
import type { BackupConfig } from './config/backup-config.ts';
import type { ArchiveSink } from './archive/archive-sink.ts';
import {
  dataColumns,
  fingerprint,
  manifestHead,
  type Manifest,
  type ManifestExternalRef,
  type ManifestHead,
  type TableData,
  type TableHead,
} from './archive/manifest.ts';
import { writeArchive } from './archive/write-archive.ts';
import { BATCH_ROWS, orderBy, selectList } from './dump-table.ts';
import { countedLines } from './counted-lines.ts';
import { columnGaps } from './column-gaps.ts';
import { tenantCounts } from './tenant-counts.ts';
import { TableChunks } from './archive/table-chunks.ts';
import { DigestAccumulator, serverDigest } from './server-digest.ts';
import { newDigestKind } from './digest-kind.ts';
import { externalKeys, scopeTable } from './scope-table.ts';
import { checkTenant, tenantScope, type TenantScope } from './tenant-scope.ts';

export interface BackupOptions {
  tenantId: string;
  config: BackupConfig;
  /** A file path, or a sink (an object in a bucket) that becomes visible only once the archive is complete. */
  out: string | ArchiveSink;
  passphrase?: string;
  includeParents?: boolean;
  /** Read from this exported snapshot (Db.sharedSnapshot) rather than a new one: one point in time for many tenants. */
  snapshotId?: string;
  /** Rows written so far, of the tenant's rows counted in the snapshot before reading (shared parents add to both). */
  onProgress?: (done: number, total: number) => void;
  /**
   * The schema and scope plan, read once for many tenants (backup --all-tenants) instead of once per backup;
   * absent: read here, in this backup's snapshot.
   */
  scope?: TenantScope;
  /**
   * Connections reading the snapshot (Db.snapshotSessions): with 2, the server digests of the large tables are
   * taken on the second while the first streams the rows, instead of a hash shipped with every row. 1 reads on
   * one connection. The Db's pool needs this many (MariaDB: one more, for the moment the snapshots open).
   */
  readers?: 1 | 2;
}

export interface BackupResult {
  path: string;
  manifest: Manifest;
  seconds: number;
  /** What the archive does not hold of the tenant's data (column-gaps.ts), for the operator: usually none. */
  notes: string[];
}

export function safeName(i: number, table: string): string {
  return `${String(i).padStart(4, '0')}-${table.replace(/[^A-Za-z0-9_$-]/g, '_').slice(0, 48)}`;
}

/**
 * Writes the tenant's rows, one consistent snapshot, to an archive (format 3): the manifest first, with every
 * table's row count (counted in the snapshot, from the index); then the tables, streamed in chunks; then the seal
 * with each table's checksum and server digest. A table of more than one batch of rows gets its digest from the
 * server's digest query on a second connection in the same snapshot while the first streams its rows (the server
 * hashes on another core, and no hash travels with each row); a smaller table, or every table where the snapshot
 * cannot be shared, is read with each row's server hash and summed here, so the server reads each row once. The
 * caller's `db` must be connected with values: 'text'.
 */
export async function backupTenant(db: Db, opts: BackupOptions): Promise<BackupResult> {
  const t0 = performance.now();
  let notes: string[] = [];
  const manifest = await inSnapshot(db, opts, async (s, side) => {
    const scope = opts.scope ?? (await tenantScope(db, s, opts.config));
    notes = columnGaps(scope);
    await checkTenant(s, scope, opts.tenantId);
    const { head, reads } = await planTenant(db, s, scope, opts, !!side);
    const total = head.tables.reduce((n, t) => n + t.rows, 0);
    let done = 0;
    opts.onProgress?.(0, total);
    // The side connection's digests, one after another in table order; each is awaited after its table's rows.
    const beside = new Map<TableRead, Promise<string>>();
    let last: Promise<unknown> = Promise.resolve();
    for (const r of reads)
      if (r.digest === 'beside') {
        const p = last.then(() => serverDigest(side!, scope, r.table, r.columns, opts.tenantId));
        last = p.catch(() => undefined);
        beside.set(r, p);
      }
    try {
      return await writeArchive(opts.out, opts.passphrase, head, async (writer) => {
        const data: TableData[] = [];
        for (const [i, r] of reads.entries()) {
          const out = new TableChunks(writer, `tables/${safeName(r.index, r.table)}`);
          const digest = r.digest === 'rows' ? new DigestAccumulator(newDigestKind(scope.dialect)) : null;
          const onHash = digest ? (h: string) => digest.add(h) : undefined;
          for await (const lines of countedLines(s, scope.dialect, r.query, r.columns, head.tables[i]!.rows, onHash)) {
            if (Array.isArray(lines)) await out.addLines(lines);
            else await out.addBytes(lines.bytes, lines.rows);
            opts.onProgress?.((done += Array.isArray(lines) ? lines.length : lines.rows), total);
          }
          const recorded = digest ? digest.toString() : await beside.get(r);
          data.push({ ...(await out.finish()), ...(recorded !== undefined ? { serverDigest: recorded } : {}) });
        }
        return data;
      });
    } finally {
      // Nothing may still run on the side connection when its transaction ends.
      await Promise.allSettled(beside.values());
    }
  });
  return {
    path: typeof opts.out === 'string' ? opts.out : opts.out.name,
    manifest,
    seconds: (performance.now() - t0) / 1000,
    notes,
  };
}

/** `fn` in the backup's snapshot: on two connections where the engine can share it and `readers` allows, else one. */
function inSnapshot<T>(
  db: Db,
  opts: Pick<BackupOptions, 'readers' | 'snapshotId'>,
  fn: (s: DbSession, side: DbSession | undefined) => Promise<T>,
): Promise<T> {
  if (db.snapshotSessions && (opts.readers ?? 2) > 1)
    return db.snapshotSessions(2, ([s, side]) => fn(s!, side), { snapshotId: opts.snapshotId });
  return db.transaction((s) => fn(s, undefined), { snapshot: true, snapshotId: opts.snapshotId });
}

/** One table's read: the query whose canonical lines become its chunks. */
interface TableRead {
  index: number;
  table: string;
  columns: string[];
  query: { sql: string; params: readonly unknown[] };
  /**
   * Where the table's server digest comes from: summed from each row's ROW_HASH read with it, the digest query on
   * the side connection, or nowhere (shared parent rows).
   */
  digest: 'rows' | 'beside' | 'none';
}

/**
 * The manifest head and the reads that fill it, before any row is read: every table's row count and the shared
 * references, all in the snapshot `s`.
 */
async function planTenant(
  db: Db,
  s: DbSession,
  scope: TenantScope,
  opts: Omit<BackupOptions, 'out'>,
  side: boolean,
): Promise<{ head: ManifestHead; reads: TableRead[] }> {
  const { dialect: d, schema, plan } = scope;
  const tables: TableHead[] = [];
  const reads: TableRead[] = [];
  const counts = await tenantCounts(s, scope, plan.entries, opts.tenantId);
  for (const [index, e] of plan.entries.entries()) {
    // Up to a batch, the row hashes cost less than a query of their own (and the read is one round trip).
    const beside = side && counts[index]! > BATCH_ROWS;
    const { head, query } = scopeTable(scope, e, index, opts.tenantId, counts[index]!, !beside);
    tables.push(head);
    reads.push({ index, table: e.table, columns: head.columns, query, digest: beside ? 'beside' : 'rows' });
  }

  const external: ManifestExternalRef[] = [];
  let index = plan.entries.length;
  for (const edge of plan.external) {
    const { keys, bound: b, cols } = await externalKeys(s, scope, edge, opts.tenantId);
    external.push({ ...edge, keys });
    if (opts.includeParents && keys.length) {
      const parent = schema.get(edge.to)!;
      const columns = dataColumns(parent);
      const refCols =
        edge.refColumns.length === 1 ? d.quote(edge.refColumns[0]!) : `(${edge.refColumns.map(d.quote).join(', ')})`;
      const where = `${refCols} IN (SELECT ${cols} FROM ${d.from(edge.from)} WHERE ${b.sql})`;
      const n = await s.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM ${d.from(edge.to)} WHERE ${where}`,
        b.params,
      );
      tables.push({
        index,
        name: edge.to,
        role: 'parent',
        how: 'include-parents',
        detail: `rows of ${edge.to} referenced by ${edge.from}.${edge.columns.join(',')}`,
        columns,
        fingerprint: fingerprint(parent, columns),
        rows: Number(n[0]!.n),
      });
      reads.push({
        index,
        table: edge.to,
        columns,
        query: {
          sql: `SELECT ${selectList(d, parent, columns)} FROM ${d.from(edge.to)} WHERE ${where} ORDER BY ${orderBy(d, parent, columns, 'exact')}`,
          params: b.params,
        },
        digest: 'none',
      });
      index++;
    }
  }

  const head = manifestHead(
    {
      engine: db.target.engine,
      serverVersion: db.serverVersion,
      database: db.target.redacted,
      tenantId: opts.tenantId,
      encrypted: !!opts.passphrase,
      config: opts.config,
    },
    plan,
  );
  return {
    head: { ...head, kind: 'tenant', order: 'exact', includeParents: !!opts.includeParents, tables, external },
    reads,
  };
}
