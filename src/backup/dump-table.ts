import { createHash } from 'node:crypto';
import type { DbSession } from '../db/index.ts';
import type { BackupDialect } from './dialect/backup-dialect.ts';
import { canonicalRow } from './archive/canonical-row.ts';
import { bindTenant } from './scope/scope-plan.ts';
import type { ScopedSource } from './scope/scoped-source.ts';
import { columnOf, rowIdentity, type TableInfo } from './schema-info.ts';

export const BATCH_ROWS = 2000;

export interface DumpResult {
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * How rows are sorted. 'exact' (archive format 2): by the row's identity, in the order `compareRows` computes in
 * JavaScript, so a restore can merge the archive with the database in one pass. 'native' (format 1): the server's
 * own order of the primary key, else of every column.
 */
export type RowOrder = 'exact' | 'native';

/** The ORDER BY list for a table's rows. */
export function orderBy(d: BackupDialect, info: TableInfo, columns: readonly string[], order: RowOrder): string {
  if (order === 'native') return (info.primaryKey.length ? info.primaryKey : columns).map(d.quote).join(', ');
  const identity = rowIdentity(info);
  const cols = (identity ?? columns).map((c) => columnOf(info, c));
  // NULL first on both engines (PostgreSQL sorts it last by default), as compareRows does.
  return cols
    .map((c) => {
      const e = d.orderExpr(c, identity === null);
      return c.nullable ? `CASE WHEN ${d.quote(c.name)} IS NULL THEN 0 ELSE 1 END, ${e}` : e;
    })
    .join(', ');
}

/** The select list: each column read exactly (dialect readExpr), under its own name. */
export function selectList(d: BackupDialect, info: TableInfo, columns: readonly string[]): string {
  return columns
    .map((c) => {
      const e = d.readExpr(columnOf(info, c));
      return e === d.quote(c) ? e : `${e} AS ${d.quote(c)}`;
    })
    .join(', ');
}

/** SELECT of one table's scoped rows, in a stable order; `lock` adds the dialect's locking read. */
export function scopedSelect(
  d: BackupDialect,
  info: TableInfo,
  columns: readonly string[],
  predicate: string,
  tenantId: string,
  opts: { order?: RowOrder; lock?: boolean; hash?: boolean } = {},
): { sql: string; params: string[] } {
  const b = bindTenant(predicate, tenantId, d.param);
  return selectFrom(d, info, columns, { from: d.from(info.name), where: b.sql, params: b.params }, opts);
}

/** scopedSelect over a ScopedSource (scopedSource): the same rows, read from wherever the source says. */
export function selectFrom(
  d: BackupDialect,
  info: TableInfo,
  columns: readonly string[],
  src: ScopedSource,
  opts: { order?: RowOrder; lock?: boolean; hash?: boolean } = {},
): { sql: string; params: string[] } {
  // `hash` adds each row's server hash (ROW_HASH), from which a backup sums the table's digest in the same pass.
  const hash = opts.hash ? `, ${d.rowHash(info, columns)} AS ${ROW_HASH}` : '';
  return {
    sql: `SELECT ${selectList(d, info, columns)}${hash} FROM ${src.from} WHERE ${src.where} ORDER BY ${orderBy(d, info, columns, opts.order ?? 'exact')}${opts.lock ? d.lockingRead : ''}`,
    params: src.params,
  };
}

/** The column name of the row hash `scopedSelect(…, { hash: true })` adds. */
export const ROW_HASH = 'tenantops_row_hash';

/** The canonical lines of a query's rows, batch by batch; `onRow` sees each raw row (e.g. for its ROW_HASH). */
export async function* canonicalLines(
  s: DbSession,
  query: { sql: string; params: readonly unknown[] },
  columns: readonly string[],
  onRow?: (r: Record<string, unknown>) => void,
): AsyncIterable<string[]> {
  for await (const batch of s.stream(query.sql, query.params, BATCH_ROWS))
    yield batch.map((r) => {
      onRow?.(r);
      return canonicalRow(columns.map((c) => r[c]));
    });
}

/**
 * The canonical lines of a bounded query (a batch of keys), in one round trip. No cursor: PostgreSQL plans a cursor
 * for its first rows, which turned key lookups under the tenant predicate into nested loops over whole tables.
 */
export async function queryLines(
  s: DbSession,
  query: { sql: string; params: readonly unknown[] },
  columns: readonly string[],
): Promise<string[]> {
  return (await s.query(query.sql, query.params)).map((r) => canonicalRow(columns.map((c) => r[c])));
}

/** Row count, bytes and SHA-256 of a query's canonical row stream: what the manifest records for a table. */
export async function digestRows(
  s: DbSession,
  query: { sql: string; params: readonly unknown[] },
  columns: readonly string[],
): Promise<DumpResult> {
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  for await (const lines of canonicalLines(s, query, columns)) {
    for (const l of lines) {
      const line = l + '\n';
      hash.update(line);
      rows++;
      bytes += Buffer.byteLength(line);
    }
  }
  return { rows, bytes, sha256: hash.digest('hex') };
}
