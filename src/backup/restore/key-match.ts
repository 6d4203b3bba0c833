import { bindValue, type CanonicalValue } from '../archive/canonical-row.ts';
import type { BackupDialect } from '../dialect/backup-dialect.ts';
import { columnOf, type TableInfo } from '../schema-info.ts';
import type { RowKeySpec } from './row-order.ts';

/**
 * A WHERE condition selecting exactly these rows by their identity: the key's values (the server compares them,
 * so an index serves it), or for a table without a key, every column matched exactly.
 */
export function keyMatch(
  d: BackupDialect,
  info: TableInfo,
  spec: RowKeySpec,
  rows: readonly (readonly CanonicalValue[])[],
  first: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const ph = (v: CanonicalValue) => {
    params.push(bindValue(v));
    return d.param(first + params.length - 1);
  };
  if (!rows.length) return { sql: 'FALSE', params };
  if (spec.wholeRow) {
    const cols = spec.columns.map((c) => columnOf(info, c));
    const ors = rows.map((r) => `(${cols.map((c, i) => d.matchExactly(c, ph(r[spec.idx[i]!]!))).join(' AND ')})`);
    return { sql: ors.join(' OR '), params };
  }
  return keysIn(
    d,
    info,
    spec.columns,
    rows.map((r) => spec.idx.map((i) => r[i]!)),
    first,
  );
}

/** `columns IN (these key tuples)`, compared by the server: a plain IN list for one column, else the dialect's form. */
export function keysIn(
  d: BackupDialect,
  info: TableInfo,
  columns: readonly string[],
  keys: readonly (readonly CanonicalValue[])[],
  first: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const ph = (v: CanonicalValue) => {
    params.push(bindValue(v));
    return d.param(first + params.length - 1);
  };
  const cols = columns.map((c) => columnOf(info, c));
  const value = (i: number, v: CanonicalValue) => {
    const p = ph(v);
    return d.keyValue ? d.keyValue(cols[i]!, p) : p;
  };
  if (columns.length === 1)
    return {
      sql: `${d.keyColumn ? d.keyColumn(cols[0]!) : d.quote(columns[0]!)} IN (${keys.map((k) => value(0, k[0]!)).join(', ')})`,
      params,
    };
  return {
    sql: d.tupleIn(
      cols,
      keys.map((k) => k.map((v, i) => value(i, v))),
    ),
    params,
  };
}
