import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { BulkValue } from '../db.ts';
import { loadDataChunks } from './load-data-chunks.ts';
import { mysqlDialect } from './mysql-dialect.ts';

// The server or the client refuses LOCAL INFILE: MariaDB's ER_LOAD_INFILE_CAPABILITY_DISABLED (local_infile OFF),
// the older ER_NOT_ALLOWED_COMMAND, MySQL's ER_CLIENT_LOCAL_FILES_DISABLED.
const REFUSED = new Set([4166, 1148, 3948]);
const ER_DUP_ENTRY = 1062;

/**
 * LOAD DATA LOCAL INFILE fed from `rows` through mysql2's infileStreamFactory: the server asks for the "file" and
 * reads the stream, whatever name the statement gives. Resolves to null when LOCAL INFILE is refused (nothing was
 * read from `rows` then), else to the rows the server inserted.
 *
 * LOCAL implies IGNORE (the server cannot stop the client's transfer half-way): a duplicate key skips its row with
 * warning 1062 instead of failing. It is turned back into the ER_DUP_ENTRY error an INSERT would raise; any other
 * skipped row shows as a count short of the rows sent, which the caller checks.
 */
export async function loadDataLocal(
  c: PoolConnection,
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly BulkValue[]>,
): Promise<number | null> {
  const q = mysqlDialect.quoteIdent;
  const count = { rows: 0 };
  let started = false;
  // PoolConnection.connection is the callback-API connection underneath the promise wrapper; its socket.
  const socket = (c as unknown as { connection: { stream: Writable } }).connection.stream;
  // Each chunk is one protocol packet, which the server refuses beyond max_allowed_packet (and drops the
  // connection): 1 MB chunks passed a server set to 1M, whose packets must be smaller. Half of it, at most 1 MB.
  const [[limit]] = await c.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS p');
  const chunkBytes = Math.min(1 << 20, Math.floor(Number(limit?.p) / 2) || 1 << 20);
  async function* paced(): AsyncIterable<Buffer> {
    for await (const chunk of loadDataChunks(rows, count, chunkBytes)) {
      // mysql2 writes each chunk to the socket without heeding back-pressure: wait for it to drain instead.
      if (socket.writableNeedDrain) await once(socket, 'drain');
      yield chunk;
    }
  }
  let res: ResultSetHeader;
  try {
    [res] = await c.query<ResultSetHeader>({
      sql: `LOAD DATA LOCAL INFILE 'tenantops-rows' INTO TABLE ${q(table)} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columns.map(q).join(', ')})`,
      infileStreamFactory: () => {
        started = true;
        return Readable.from(paced());
      },
    });
  } catch (e) {
    if (!started && REFUSED.has(Number((e as { errno?: number }).errno))) return null;
    throw e;
  }
  if (res.affectedRows !== count.rows && res.warningStatus > 0) {
    const [warnings] = await c.query<RowDataPacket[]>('SHOW WARNINGS');
    const dup = warnings.find((w) => Number(w.Code) === ER_DUP_ENTRY);
    if (dup) throw Object.assign(new Error(String(dup.Message)), { code: 'ER_DUP_ENTRY', errno: ER_DUP_ENTRY });
  }
  return res.affectedRows;
}
