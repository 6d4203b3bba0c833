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
  const bulk = rows > BATCH_ROWS ? bulkLines(s, d, query, columns, onHash) : null;
  if (bulk) {
    // Encoded once here: the archive hashes, measures and stores the same bytes.
    for await (const lines of bulk)
      yield Array.isArray(lines) ? { rows: lines.length, bytes: Buffer.from(lines.join('\n') + '\n') } : lines;
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

/**
 * The canonical lines of a query through the session's bulk reader, or null where it has none. Where the dialect
 * builds the line on the server, they come as the server's bytes (no value parsed or encoded here); otherwise as
 * strings, each row's values encoded by canonicalRow. Nothing else may run on the session until the iteration
 * ends or is returned (DbSession.streamValues).
 */
export function bulkLines(
  s: DbSession,
  d: BackupDialect,
  query: { sql: string; params: readonly unknown[] },
  columns: readonly string[],
  onHash?: (hash: string) => void,
): AsyncIterable<LineBatch> | null {
  const { streamValues, streamLines } = s;
  if (!streamValues) return null;
  if (d.canonicalLine && streamLines) {
    // A subquery with ORDER BY is not flattened into the outer query, and a projection over it keeps its order.
    const line = d.canonicalLine(columns.map((c) => `tenantops_r.${d.quote(c)}`));
    const sql = `SELECT ${line}${onHash ? `, tenantops_r.${ROW_HASH}` : ''} FROM (${query.sql}) tenantops_r`;
    return (async function* () {
      for await (const batch of streamLines.call(s, sql, query.params, BATCH_ROWS)) {
        if (onHash) for (const r of batch.rest) onHash(String(r[0]));
        yield { rows: batch.rows, bytes: batch.lines };
      }
    })();
  }
  const n = columns.length;
  return (async function* () {
    for await (const batch of streamValues.call(s, query.sql, query.params, BATCH_ROWS))
      yield batch.map((v) => {
        if (onHash) {
          onHash(String(v[n]));
          v.length = n;
        }
        return canonicalRow(v);
      });
  })();
}

/**
 * The lines of a batch of newline-ended UTF-8 lines, each decoded on its own: split() of the batch's text would
 * give slices that keep the whole batch (an archive's ~4 MB chunk) alive for as long as one of its lines waits in
 * a plan's spool (hundreds of MB for a deleted tenant).
 */
export function lineStrings(data: Buffer): string[] {
  const lines: string[] = [];
  for (let at = 0; at < data.length;) {
    let end = data.indexOf(10, at);
    if (end < 0) end = data.length;
    if (end > at) lines.push(data.toString('utf8', at, end));
    at = end + 1;
  }
  return lines;
}
