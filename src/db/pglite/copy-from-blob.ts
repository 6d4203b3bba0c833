import type { PGlite } from '@electric-sql/pglite';
import type { BulkValue } from '../db.ts';
import { copyTextChunks } from '../postgres/copy-text-chunks.ts';
import { postgresDialect } from '../postgres/postgres-dialect.ts';

// PGlite reads COPY data from a Blob it is handed whole (its /dev/blob device), so rows go in pieces of about this
// size, one COPY each: memory stays bounded whatever the table's size.
const PIECE_BYTES = 8 * 1024 * 1024;

/**
 * COPY … FROM '/dev/blob' (the `blob` query option, https://pglite.dev/docs/api), one statement per piece of COPY
 * text, inside the caller's transaction; resolves to the rows the COPY command tags reported in total.
 */
export async function copyFromBlob(
  q: Pick<PGlite, 'query'>,
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly BulkValue[]>,
): Promise<number> {
  const quote = postgresDialect.quoteIdent;
  const sql = `COPY ${quote(table)} (${columns.map(quote).join(', ')}) FROM '/dev/blob'`;
  let written = 0;
  let piece: string[] = [];
  let size = 0;
  const load = async () => {
    if (!piece.length) return;
    const r = await q.query(sql, [], { blob: new Blob(piece) });
    written += r.affectedRows ?? 0;
    piece = [];
    size = 0;
  };
  for await (const chunk of copyTextChunks(rows, { rows: 0 })) {
    piece.push(chunk);
    size += chunk.length;
    if (size >= PIECE_BYTES) await load();
  }
  await load();
  return written;
}
