import type { DbSession } from '../db/index.ts';
import { canonicalRow } from './archive/canonical-row.ts';
import { BATCH_ROWS, canonicalLines, ROW_HASH } from './dump-table.ts';

/**
 * The canonical lines of a query whose row count is already known in the same snapshot (a backup counts every
 * table before reading it): none is no query at all, one batch's worth is one round trip without a cursor, more is
 * streamed in batches, through the session's bulk reader where it has one (PostgreSQL COPY: the query only reads,
 * and a backup's session runs nothing else meanwhile). Most tables of most tenants of a fleet are empty or small,
 * and there the query's fixed cost (PostgreSQL's DECLARE/FETCH/CLOSE, mysql2's row stream) was the cost of the
 * backup. `onHash` gets each row's ROW_HASH, for a query that selects it (last, after `columns`).
 */
export async function* countedLines(
  s: DbSession,
  query: { sql: string; params: readonly unknown[] },
  columns: readonly string[],
  rows: number,
  onHash?: (hash: string) => void,
): AsyncIterable<string[]> {
  if (rows === 0) return;
  if (rows > BATCH_ROWS && s.streamValues) {
    const n = columns.length;
    for await (const batch of s.streamValues(query.sql, query.params, BATCH_ROWS))
      yield batch.map((v) => {
        if (onHash) {
          onHash(String(v[n]));
          v.length = n;
        }
        return canonicalRow(v);
      });
    return;
  }
  const onRow = onHash && ((r: Record<string, unknown>) => onHash(String(r[ROW_HASH])));
  if (rows > BATCH_ROWS) {
    yield* canonicalLines(s, query, columns, onRow);
    return;
  }
  const batch = await s.query(query.sql, query.params);
  yield batch.map((r) => {
    onRow?.(r);
    return canonicalRow(columns.map((c) => r[c]));
  });
}
