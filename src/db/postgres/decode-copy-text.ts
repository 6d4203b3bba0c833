/**
 * Splits PostgreSQL COPY text output (the default format: tab between fields, newline after each row) into rows of
 * values, chunk by chunk as the server sends them. A field is `\N` for NULL, else the type's output text with
 * backslash escapes (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"); a raw tab or newline
 * inside a value is always escaped, so every raw one is a separator. UTF-8 continuation bytes never equal a tab or
 * a newline byte, so rows are cut on bytes and each whole row decodes on its own.
 */
export class CopyTextDecoder {
  private rest: Buffer | null = null;

  /** The rows completed by this chunk; a row cut at the chunk's end waits for the next one. */
  push(chunk: Buffer): (string | null)[][] {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const end = buf.lastIndexOf(10);
    if (end < 0) {
      this.rest = Buffer.from(buf);
      return [];
    }
    // A copy: the stream may reuse the chunk's memory once this returns.
    this.rest = end + 1 < buf.length ? Buffer.from(buf.subarray(end + 1)) : null;
    const lines = buf.toString('utf8', 0, end).split('\n');
    const rows: (string | null)[][] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const fields: (string | null)[] = lines[i]!.split('\t');
      for (let j = 0; j < fields.length; j++) {
        const f = fields[j] as string;
        if (f.indexOf('\\') >= 0) fields[j] = f === '\\N' ? null : unescapeCopyText(f);
      }
      rows[i] = fields;
    }
    return rows;
  }

  /** Throws if the output ended inside a row (it cannot, unless the stream was cut). */
  end(): void {
    if (this.rest) throw new Error(`COPY output ended inside a row (${this.rest.length} bytes)`);
  }
}

const SIMPLE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * One field's value from its escaped text. COPY TO writes `\\` for a backslash and `\b \f \n \r \t \v` for those
 * characters, nothing else; the octal and hex forms COPY FROM also reads stand for bytes, which a row already
 * decoded as UTF-8 cannot take back, so meeting one is an error rather than a guess.
 */
export function unescapeCopyText(f: string): string {
  let out = '';
  let from = 0;
  for (let i = f.indexOf('\\'); i >= 0; i = f.indexOf('\\', from)) {
    const c = f[i + 1] ?? '';
    const simple = SIMPLE[c] ?? (c === '\\' ? c : undefined);
    if (simple === undefined) throw new Error(`unexpected escape in COPY output: \\${c}`);
    out += f.slice(from, i) + simple;
    from = i + 2;
  }
  return out + f.slice(from);
}
