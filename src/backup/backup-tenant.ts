import type { Db, DbSession } from '../db/index.ts';
import type { BackupConfig } from './config/backup-config.ts';
import type { ArchiveSink } from './archive/archive-sink.ts';
import type { ArchiveWriter } from './archive/archive-writer.ts';
import {
  dataColumns,
  fingerprint,
  manifestHead,
  type Manifest,
  type ManifestExternalRef,
  type ManifestTable,
} from './archive/manifest.ts';
import { writeArchive } from './archive/write-archive.ts';
import { canonicalLines, orderBy, ROW_HASH, scopedSelect, selectList } from './dump-table.ts';
import { TableChunks } from './archive/table-chunks.ts';
import { DigestAccumulator } from './server-digest.ts';
import { bindTenant } from './scope/scope-plan.ts';
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
}

export interface BackupResult {
  path: string;
  manifest: Manifest;
  seconds: number;
}

export function safeName(i: number, table: string): string {
  return `${String(i).padStart(4, '0')}-${table.replace(/[^A-Za-z0-9_$-]/g, '_').slice(0, 48)}`;
}

/**
 * Writes the tenant's rows, one consistent snapshot, to an archive: tables stream in chunks, every table's canonical
 * row stream is hashed, and the manifest (plan, fingerprints, counts, checksums, shared references) goes last.
 * The caller's `db` must be connected with values: 'text'.
 */
export async function backupTenant(db: Db, opts: BackupOptions): Promise<BackupResult> {
  const t0 = performance.now();
  return db.transaction(
    async (s) => {
      const scope = await tenantScope(db, s, opts.config);
      await checkTenant(s, scope, opts.tenantId);
      const manifest = await writeArchive(opts.out, opts.passphrase, (writer) =>
        writeTenant(db, s, scope, writer, opts),
      );
      return {
        path: typeof opts.out === 'string' ? opts.out : opts.out.name,
        manifest,
        seconds: (performance.now() - t0) / 1000,
      };
    },
    { snapshot: true, snapshotId: opts.snapshotId },
  );
}

/** Shared with restore's safety backup, which runs inside the restore transaction. */
export async function writeTenant(
  db: Db,
  s: DbSession,
  scope: TenantScope,
  writer: ArchiveWriter,
  opts: Omit<BackupOptions, 'out'>,
): Promise<Manifest> {
  const { dialect: d, schema, plan } = scope;
  // Counted first, in the same snapshot, so progress is a real percentage (index-only counts for keyed tables).
  let total = 0;
  let done = 0;
  if (opts.onProgress)
    for (const e of plan.entries) {
      const b = bindTenant(e.predicate, opts.tenantId, d.param);
      const r = await s.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM ${d.from(e.table)} WHERE ${b.sql}`,
        b.params,
      );
      total += Number(r[0]!.n);
    }
  const tables: ManifestTable[] = [];
  const dump = async (
    index: number,
    table: string,
    role: ManifestTable['role'],
    how: string,
    detail: string,
    query: { sql: string; params: readonly unknown[] },
    columns: string[],
  ) => {
    const info = schema.get(table)!;
    const out = new TableChunks(writer, `tables/${safeName(index, table)}`);
    // Scope tables are read with each row's server hash: the table's digest comes out of the same pass.
    const digest = role === 'scope' ? new DigestAccumulator() : null;
    const onRow = digest ? (r: Record<string, unknown>) => digest.add(String(r[ROW_HASH])) : undefined;
    for await (const lines of canonicalLines(s, query, columns, onRow)) {
      for (const l of lines) await out.add(l);
      done += lines.length;
      opts.onProgress?.(done, (total = Math.max(total, done)));
    }
    const r = await out.finish();
    tables.push({
      index,
      name: table,
      role,
      how,
      detail,
      columns,
      fingerprint: fingerprint(info, columns),
      ...r,
      // What lets a restore on this server skip the table when its digest is unchanged.
      ...(digest ? { serverDigest: digest.toString() } : {}),
    });
  };

  for (const [i, e] of plan.entries.entries()) {
    const info = schema.get(e.table)!;
    const columns = dataColumns(info);
    await dump(
      i,
      e.table,
      'scope',
      e.how,
      e.detail,
      scopedSelect(d, info, columns, e.predicate, opts.tenantId, { hash: true }),
      columns,
    );
  }

  const external: ManifestExternalRef[] = [];
  let index = plan.entries.length;
  for (const edge of plan.external) {
    const entry = plan.entries.find((x) => x.table === edge.from)!;
    const b = bindTenant(entry.predicate, opts.tenantId, d.param);
    const cols = edge.columns.map(d.quote).join(', ');
    const notNull = edge.columns.map((c) => `${d.quote(c)} IS NOT NULL`).join(' AND ');
    const keys = await s.query(
      `SELECT DISTINCT ${cols} FROM ${d.from(edge.from)} WHERE ${b.sql} AND ${notNull} ORDER BY ${cols}`,
      b.params,
    );
    external.push({ ...edge, keys: keys.map((k) => edge.columns.map((c) => String(k[c]))) });
    if (opts.includeParents && keys.length) {
      const parent = schema.get(edge.to)!;
      const columns = dataColumns(parent);
      const refCols =
        edge.refColumns.length === 1 ? d.quote(edge.refColumns[0]!) : `(${edge.refColumns.map(d.quote).join(', ')})`;
      const q = {
        sql: `SELECT ${selectList(d, parent, columns)} FROM ${d.from(edge.to)} WHERE ${refCols} IN (SELECT ${cols} FROM ${d.from(edge.from)} WHERE ${b.sql}) ORDER BY ${orderBy(d, parent, columns, 'exact')}`,
        params: b.params,
      };
      await dump(
        index++,
        edge.to,
        'parent',
        'include-parents',
        `rows of ${edge.to} referenced by ${edge.from}.${edge.columns.join(',')}`,
        q,
        columns,
      );
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
  return { ...head, kind: 'tenant', order: 'exact', includeParents: !!opts.includeParents, tables, external };
}
