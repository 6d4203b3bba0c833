import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { CopyBinaryLines } from './copy-binary-lines.ts';
import { CopyTextDecoder } from './decode-copy-text.ts';
import { replacePlaceholders } from './replace-placeholders.ts';

/** The types PostgreSQL infers for a statement's placeholders, by SQL text (they do not depend on the values). */
export type ParamTypeCache = Map<string, string[]>;

const CACHE_MAX = 1000;
let prepareSeq = 0;

/**
 * The rows of `sql` through `COPY (sql) TO STDOUT`, as arrays of each value's text (or null), `batchSize` rows or
 * more at a time. COPY sends rows as bare text with no per-row protocol messages, and the client splits them
 * without building a row object; a backup read through it spends less time on the client's one thread than through
 * a cursor (docs/performance.md, "COPY reads").
 *
 * COPY takes no bind parameters, and values are never spliced into SQL: each parameter is bound to a
 * transaction-local setting (`set_config('tenantops.p<n>', $2, true)`) and the query reads it back as
 * `current_setting('tenantops.p<n>')::<type>`, where the type is the one the server infers for the placeholder
 * (asked once per statement text with PREPARE; `pg_prepared_statements.parameter_types`). The value goes through
 * the same input function as a bound parameter, and the planner estimates with it (current_setting is stable), so
 * the rows and the plan are those of the parameterised query. Must run inside a transaction (the settings end
 * with it). While the rows are read the connection runs nothing else: a query queued on the same client waits
 * until the last row has been consumed.
 */
export async function* copyOutValues(
  client: pg.ClientBase,
  sql: string,
  params: readonly unknown[],
  batchSize: number,
  types: ParamTypeCache,
): AsyncIterable<(string | null)[][]> {
  const decoder = new CopyTextDecoder();
  let batch: (string | null)[][] = [];
  for await (const chunk of copyOut(client, sql, params, types, 'text')) {
    const rows = decoder.push(chunk);
    batch = batch.length ? batch.concat(rows) : rows;
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  decoder.end();
  if (batch.length) yield batch;
}

/**
 * The rows of `sql`, whose select list is all text, through binary COPY (no escapes to undo): per batch of at
 * least `batchSize` rows (but the last), the first column of every row as UTF-8 bytes, each followed by a newline,
 * in one Buffer, and the other columns as strings. For a reader that only passes lines on (a backup's archive
 * lines, built by the server), nothing is decoded.
 */
export async function* copyOutLines(
  client: pg.ClientBase,
  sql: string,
  params: readonly unknown[],
  batchSize: number,
  types: ParamTypeCache,
): AsyncIterable<{ rows: number; lines: Buffer; rest: (string | null)[][] }> {
  const decoder = new CopyBinaryLines();
  for await (const chunk of copyOut(client, sql, params, types, 'binary')) {
    decoder.push(chunk);
    if (decoder.rows >= batchSize) yield decoder.take();
  }
  decoder.end();
  if (decoder.rows) yield decoder.take();
}

/** The raw output of `COPY (sql) TO STDOUT` in `format`, chunk by chunk, with `params` bound (see copyOutValues). */
async function* copyOut(
  client: pg.ClientBase,
  sql: string,
  params: readonly unknown[],
  types: ParamTypeCache,
  format: 'text' | 'binary',
): AsyncIterable<Buffer> {
  let text = sql;
  if (params.length) {
    const known = types.get(sql) ?? (await paramTypes(client, sql));
    if (!types.has(sql)) {
      if (types.size >= CACHE_MAX) types.clear();
      types.set(sql, known);
    }
    const set: string[] = [];
    const bound: string[] = [];
    params.forEach((v, i) => {
      if (v === null || v === undefined) return;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint')
        throw new Error(`COPY reads bind text and numbers only, not ${typeof v} (parameter $${i + 1})`);
      set.push(`set_config($${bound.length + 1}, $${bound.length + 2}, true)`);
      bound.push(`tenantops.p${i + 1}`, String(v));
    });
    if (set.length) await client.query(`SELECT ${set.join(', ')}`, bound);
    text = replacePlaceholders(sql, (n) => {
      const type = known[n - 1];
      if (type === undefined) throw new Error(`no type for parameter $${n}`);
      const v = params[n - 1];
      return v === null || v === undefined ? `(NULL::${type})` : `(current_setting('tenantops.p${n}')::${type})`;
    });
  }
  // 1 MB queued before the connection pauses: the server keeps sending while the last rows are encoded.
  const copy = client.query(
    copyStreams.to(`COPY (${text}) TO STDOUT${format === 'binary' ? ' (FORMAT binary)' : ''}`, {
      highWaterMark: 1 << 20,
    }),
  );
  let failed = false;
  copy.once('error', () => void (failed = true));
  try {
    // Not destroyed when the loop ends early: a destroyed copy stream leaves the connection detached mid-COPY.
    yield* copy.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
  } finally {
    // A consumer that stopped early: the client serves nothing else until the COPY ends, so read it to the end.
    if (!copy.readableEnded && !failed)
      await new Promise<void>((resolve) => {
        copy.once('end', resolve);
        copy.once('error', () => resolve());
        copy.resume();
      });
  }
}

/** The server's type for each `$n` of `sql`, as regtype text (a valid cast target, qualified where it must be). */
async function paramTypes(client: pg.ClientBase, sql: string): Promise<string[]> {
  const name = `tenantops_copy_${++prepareSeq}`;
  // PREPARE infers the placeholders' types as an unnamed bind-parameter statement does (both leave them unknown).
  await client.query(`PREPARE ${name} AS ${sql}`);
  try {
    const r = await client.query<{ t: string }>(
      `SELECT t::text AS t FROM pg_prepared_statements, unnest(parameter_types) WITH ORDINALITY AS u(t, i)
        WHERE name = $1 ORDER BY i`,
      [name],
    );
    return r.rows.map((x) => x.t);
  } finally {
    await client.query(`DEALLOCATE ${name}`);
  }
}
