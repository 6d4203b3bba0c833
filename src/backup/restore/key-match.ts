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
  if (spec.idx.length === 1) {
    const i = spec.idx[0]!;
    return { sql: `${d.quote(spec.columns[0]!)} IN (${rows.map((r) => ph(r[i]!)).join(', ')})`, params };
  }
  const cols = spec.columns.map((c) => columnOf(info, c));
  const tuples = rows.map((r) => spec.idx.map((i) => ph(r[i]!)));
  return { sql: d.tupleIn(cols, tuples), params };
}
