import type { DbSession } from '../../db/index.ts';
import { bindValue, type CanonicalValue } from '../archive/canonical-row.ts';
import { columnOf } from '../schema-info.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { keysIn } from './key-match.ts';
import type { TablePlan } from './restore-plan.ts';
import { touchedMismatch } from './touched-mismatch.ts';

/** A planned update as the apply writes it: the row's current and archive values. */
export interface RowUpdate {
  prev: readonly CanonicalValue[];
  next: readonly CanonicalValue[];
}

/** The columns an update sets, by name and position in the table's archive columns. */
export type Changed = { c: string; j: number }[];

/** Rows per statement: each row's key appears once per column set, so the statement grows with both. */
export const UPDATE_ROWS = 100;

/**
 * Updates rows of one table that set the same columns, in one statement instead of one per row: each column is
 * set to `CASE WHEN <row's key> THEN <its archive value> … END` over `WHERE <key> IN (<every row's key>)`, the key
 * matched as keyMatch matches it, each value cast where the engine would not type it by the column
 * (BackupDialect.setValue). Exactly these rows must be found, as a row at a time: a statement that finds fewer or
 * more fails the restore. The caller groups only plain updates (no row taken out, no value staged in pieces, no
 * trigger that would see one statement where it saw one per row).
 */
export async function updateRows(
  s: DbSession,
  scope: TenantScope,
  t: TablePlan,
  rows: readonly RowUpdate[],
  changed: Changed,
): Promise<void> {
  const d = scope.dialect;
  const info = scope.schema.get(t.table)!;
  const params: unknown[] = [];
  const keys = rows.map((r) => t.spec.idx.map((i) => r.prev[i]!));
  const keyOf = (k: readonly CanonicalValue[]) => {
    const m = keysIn(d, info, t.spec.columns, [k], params.length + 1);
    params.push(...m.params);
    return m.sql;
  };
  const sets = changed.map(({ c, j }) => {
    const col = columnOf(info, c);
    const branches = rows.map((r, i) => {
      const when = keyOf(keys[i]!);
      params.push(bindValue(r.next[j]!));
      const value = d.param(params.length);
      return `WHEN ${when} THEN ${d.setValue ? d.setValue(col, value) : value}`;
    });
    return `${d.quote(c)} = CASE ${branches.join(' ')} END`;
  });
  const where = keysIn(d, info, t.spec.columns, keys, params.length + 1);
  params.push(...where.params);
  const res = await s.execute(`UPDATE ${d.from(t.table)} SET ${sets.join(', ')} WHERE ${where.sql}`, params);
  if (res.affectedRows !== rows.length) throw touchedMismatch('an update', t.table, rows.length, res.affectedRows);
}
