const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const NEWLINE = Buffer.from('\n');

/**
 * Reads PostgreSQL's binary COPY output (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format")
 * of an all-text select list: the first column of each row is kept as its bytes, followed by a newline, for a
 * batch to be taken as one Buffer; the others are decoded as UTF-8 strings. A text column's binary form is its
 * text in the client encoding (UTF-8 here), so nothing needs unescaping.
 */
export class CopyBinaryLines {
  private buf: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private ended = false;
  private parts: Buffer[] = [];
  private rest: (string | null)[][] = [];
  rows = 0;

  push(chunk: Buffer): void {
    // Whole rows are copied out below (subarray then concat), so an unconsumed tail is all that is kept.
    let b = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let at = 0;
    if (!this.headerDone) {
      if (b.length < 19) {
        this.buf = Buffer.from(b);
        return;
      }
      if (!b.subarray(0, 11).equals(SIGNATURE)) throw new Error('not binary COPY output');
      at = 19 + b.readUInt32BE(15);
      this.headerDone = true;
    }
    const rowsBefore = this.rows;
    const rowStart = this.parts.length;
    for (;;) {
      if (b.length - at < 2) break;
      const fields = b.readInt16BE(at);
      if (fields === -1) {
        this.ended = true;
        at += 2;
        break;
      }
      // The whole row must be here before any of it is taken.
      let p = at + 2;
      let whole = true;
      for (let f = 0; f < fields; f++) {
        if (b.length - p < 4) {
          whole = false;
          break;
        }
        const len = b.readInt32BE(p);
        p += 4 + Math.max(len, 0);
        if (p > b.length) {
          whole = false;
          break;
        }
      }
      if (!whole) break;
      p = at + 2;
      const more: (string | null)[] = [];
      for (let f = 0; f < fields; f++) {
        const len = b.readInt32BE(p);
        p += 4;
        if (f === 0) {
          if (len < 0) throw new Error('NULL where a line was expected in COPY output');
          this.parts.push(b.subarray(p, p + len), NEWLINE);
        } else more.push(len < 0 ? null : b.toString('utf8', p, p + len));
        p += Math.max(len, 0);
      }
      this.rest.push(more);
      this.rows++;
      at = p;
    }
    // The lines of this chunk are copied now: the stream may reuse its memory.
    if (this.rows > rowsBefore) {
      const fresh = Buffer.concat(this.parts.slice(rowStart));
      this.parts.length = rowStart;
      this.parts.push(fresh);
    }
    b = b.subarray(at);
    this.buf = b.length ? Buffer.from(b) : Buffer.alloc(0);
  }

  take(): { rows: number; lines: Buffer; rest: (string | null)[][] } {
    const out = { rows: this.rows, lines: Buffer.concat(this.parts), rest: this.rest };
    this.parts = [];
    this.rest = [];
    this.rows = 0;
    return out;
  }

  end(): void {
    if (!this.ended || this.buf.length) throw new Error('COPY output ended inside a row');
  }
}
