import { createHash } from 'node:crypto';
import type { Db } from '../../src/db/index.ts';

function canon(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { b: Buffer.from(v).toString('base64') };
  return String(v);
}

/** Order-independent digest of a table's rows (read in text mode), plus the row count. */
export async function tableDigest(
  db: Db,
  table: string,
  where = '',
  params: unknown[] = [],
): Promise<{ rows: number; sha: string }> {
  const rows = await db.query(`SELECT * FROM ${db.dialect.quoteIdent(table)} ${where}`, params);
  const hashes = rows.map((r) =>
    createHash('sha256')
      .update(
        JSON.stringify(
          Object.keys(r)
            .sort()
            .map((k) => [k, canon(r[k])]),
        ),
      )
      .digest('hex'),
  );
  hashes.sort();
  return { rows: rows.length, sha: createHash('sha256').update(hashes.join('\n')).digest('hex') };
}

/** Digest of every listed table, keyed by table name. */
export async function snapshotTables(
  db: Db,
  tables: readonly string[],
): Promise<Record<string, { rows: number; sha: string }>> {
  const out: Record<string, { rows: number; sha: string }> = {};
  for (const t of tables) out[t] = await tableDigest(db, t);
  return out;
}
