import type { DbSession } from '../db/index.ts';
import { canonicalRow } from './archive/canonical-row.ts';
import type { BackupDialect } from './dialect/backup-dialect.ts';
import { BATCH_ROWS, canonicalLines, ROW_HASH } from './dump-table.ts';

/** Lines as strings, or as UTF-8 bytes with a newline after each (a bulk read of lines the server built). */
export type LineBatch = string[] | { rows: number; bytes: Buffer };

/**
 * The canonical lines of a query whose row count is already known in the same snapshot (a backup counts every
 * table before reading it): none is no query at all, one batch's worth is one round trip without a cursor, more is
 * streamed in batches. Most tables of most tenants of a fleet are empty or small, and there the query's fixed cost
 * (PostgreSQL's DECLARE/FETCH/CLOSE, mysql2's row stream) was the cost of the backup. `onHash` gets each row's
 * ROW_HASH, for a query that selects it.
 *
 * Where the session has a bulk reader (PostgreSQL COPY, MariaDB rows as arrays), a large table goes through it:
 * the query only reads, and a backup's session runs nothing else meanwhile. Where the dialect can also build the
 * canonical line on the server, the query is wrapped to select that line (and the hash) and the client encodes
 * nothing; otherwise each batch of lines is encoded to UTF-8 once, here.
 */
export async function* countedLines(
  s: DbSession,
  d: BackupDialect,
  query: { sql: string; params: readonly unknown[] },
  columns: readonly string[],
  rows: number,
  onHash?: (hash: string) => void,
): AsyncIterable<LineBatch> {
  if (rows === 0) return;
  if (rows > BATCH_ROWS && s.streamValues) {
    if (d.canonicalLine && s.streamLines) {
      // A subquery with ORDER BY is not flattened into the outer query, and a projection over it keeps its order.
      const line = d.canonicalLine(columns.map((c) => `tenantops_r.${d.quote(c)}`));
      const sql = `SELECT ${line}${onHash ? `, tenantops_r.${ROW_HASH}` : ''} FROM (${query.sql}) tenantops_r`;
      for await (const batch of s.streamLines(sql, query.params, BATCH_ROWS)) {
        if (onHash) for (const r of batch.rest) onHash(String(r[0]));
        yield { rows: batch.rows, bytes: batch.lines };
      }
      return;
    }
    const n = columns.length;
    // Encoded once here: the archive hashes, measures and stores the same bytes.
    for await (const batch of s.streamValues(query.sql, query.params, BATCH_ROWS)) {
      const lines = batch.map((v) => {
        if (onHash) {
          onHash(String(v[n]));
          v.length = n;
        }
        return canonicalRow(v);
      });
      yield { rows: lines.length, bytes: Buffer.from(lines.join('\n') + '\n') };
    }
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
