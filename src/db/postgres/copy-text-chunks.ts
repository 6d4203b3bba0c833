import type { BulkValue } from '../db.ts';

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One row in COPY's text format (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"): a tab
 * between values, \N for NULL, backslash, newline, carriage return and tab escaped. The server then hands each
 * value to its type's input function as the same text a bound parameter carries, so what it stores is the same
 * ('\N' and '\.' as values included). Bytes become bytea's hex input.
 */
function copyTextLine(values: readonly BulkValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) line += '\t';
    if (v === null || v === undefined) line += '\\N';
    else if (typeof v === 'string') line += SPECIAL.test(v) ? v.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : v;
    else line += '\\\\x' + v.toString('hex');
  }
  return line + '\n';
}

/**
 * Rows as COPY text, in chunks of about `bytes` characters that each end at a row's end (a row longer than that
 * is a chunk of its own). `count.rows` counts the rows encoded so far.
 */
export async function* copyTextChunks(
  rows: AsyncIterable<readonly BulkValue[]>,
  count: { rows: number },
  bytes = 1 << 20,
): AsyncIterable<string> {
  let chunk = '';
  for await (const r of rows) {
    chunk += copyTextLine(r);
    count.rows++;
    if (chunk.length >= bytes) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
