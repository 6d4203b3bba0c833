import type { BulkValue } from '../db.ts';

const SPECIAL = /[\\\n\t]/;
const SPECIAL_ALL = /[\\\n\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\t': '\\t' };
const BACKSLASH = 0x5c;
const ESCAPED_BYTE: Record<number, number> = { 0x5c: 0x5c, 0x0a: 0x6e, 0x09: 0x74 };

function escapeBytes(b: Buffer): Buffer {
  if (b.indexOf(BACKSLASH) < 0 && b.indexOf(0x0a) < 0 && b.indexOf(0x09) < 0) return b;
  const out = Buffer.allocUnsafe(b.length * 2);
  let n = 0;
  for (const x of b) {
    const e = ESCAPED_BYTE[x];
    if (e === undefined) out[n++] = x;
    else {
      out[n++] = BACKSLASH;
      out[n++] = e;
    }
  }
  return out.subarray(0, n);
}

/**
 * Rows in LOAD DATA's default format (FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n',
 * https://mariadb.com/kb/en/load-data-infile/): \N for NULL; backslash, tab and newline escaped, every other byte
 * as it is. Text is UTF-8 (the statement says CHARACTER SET utf8mb4, and the server converts to each column's
 * charset as it does for a bound value); bytes go raw, which a binary column, BIT or GEOMETRY stores unconverted.
 * Yields pieces of at most `bytes`: each becomes one protocol packet, which must stay under 16 MB.
 * `count.rows` counts the rows encoded so far.
 */
export async function* loadDataChunks(
  rows: AsyncIterable<readonly BulkValue[]>,
  count: { rows: number },
  bytes = 1 << 20,
): AsyncIterable<Buffer> {
  let parts: Buffer[] = [];
  let text = '';
  let size = 0;
  const take = () => {
    if (text) parts.push(Buffer.from(text, 'utf8'));
    const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts = [];
    text = '';
    size = 0;
    return all;
  };
  for await (const r of rows) {
    for (let i = 0; i < r.length; i++) {
      const v = r[i];
      if (i) text += '\t';
      if (v === null || v === undefined) text += '\\N';
      else if (typeof v === 'string') text += SPECIAL.test(v) ? v.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : v;
      else {
        if (text) parts.push(Buffer.from(text, 'utf8'));
        text = '';
        const e = escapeBytes(v);
        parts.push(e);
        size += e.length;
      }
    }
    text += '\n';
    count.rows++;
    // text.length counts UTF-16 units; a UTF-8 byte count is at most three times that.
    if (size + text.length * 3 >= bytes) {
      const all = take();
      for (let at = 0; at < all.length; at += bytes) yield all.subarray(at, at + bytes);
    }
  }
  if (size || text || parts.length) {
    const all = take();
    for (let at = 0; at < all.length; at += bytes) yield all.subarray(at, at + bytes);
  }
}
