import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { BulkValue } from '../db.ts';
import { copyTextChunks } from './copy-text-chunks.ts';
import { postgresDialect } from './postgres-dialect.ts';

/**
 * COPY … FROM STDIN on a pg client, fed from `rows` with back-pressure (pg-copy-streams speaks the CopyData
 * protocol over pg's own connection). A failing source sends CopyFail, so the server never keeps half a COPY;
 * the server's count of rows is what the command tag says.
 */
export async function copyFromStdin(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly BulkValue[]>,
): Promise<number> {
  const q = postgresDialect.quoteIdent;
  const copy = client.query(copyStreams.from(`COPY ${q(table)} (${columns.map(q).join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(copyTextChunks(rows, { rows: 0 })), copy);
  return copy.rowCount;
}
