import type { Queryable } from './db.ts';

// PostgreSQL caps a statement at 65535 bound parameters; MariaDB's packet limit is far above what this produces.
const MAX_PARAMS = 60000;
const MAX_ROWS = 1000;

/** Multi-row INSERTs with every value bound, split so no statement exceeds the parameter cap. */
export async function batchInsert(
  q: Queryable,
  d: { quoteIdent(n: string): string; param(i: number): string },
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const perStmt = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)));
  const head = `INSERT INTO ${d.quoteIdent(table)} (${columns.map(d.quoteIdent).join(', ')}) VALUES `;
  for (let i = 0; i < rows.length; i += perStmt) {
    const chunk = rows.slice(i, i + perStmt);
    const params: unknown[] = [];
    const tuples = chunk.map((r) => {
      const ph = r.map((v) => {
        params.push(v);
        return d.param(params.length);
      });
      return `(${ph.join(', ')})`;
    });
    await q.execute(head + tuples.join(', '), params);
  }
}
