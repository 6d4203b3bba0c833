/**
 * Reads CSV records one at a time with the rules of Go's encoding/csv, which k6's csv module
 * uses (https://pkg.go.dev/encoding/csv): `\r\n` counts as `\n`, empty lines are skipped, a quoted
 * field may hold delimiters, newlines and `""`, a stray quote is an error, and every record must
 * have as many fields as the first one.
 */
export class CsvRecordReader {
  #pos = 0;
  #line = 1;
  #fields = -1;

  constructor(
    readonly text: string,
    private readonly delimiter = ',',
  ) {}

  /** How many characters of the text the records read so far took. */
  get consumed(): number {
    return this.#pos;
  }

  /** The next record, or null at the end of the text. */
  read(): string[] | null {
    const { text, delimiter } = this;
    // Go's reader skips empty lines between records.
    while (this.#pos < text.length && (text[this.#pos] === '\n' || text.startsWith('\r\n', this.#pos))) {
      this.#pos += text[this.#pos] === '\n' ? 1 : 2;
      this.#line++;
    }
    if (this.#pos >= text.length) return null;
    const startLine = this.#line;
    const record: string[] = [];
    for (;;) {
      let field = '';
      if (text[this.#pos] === '"') {
        this.#pos++;
        for (;;) {
          const q = text.indexOf('"', this.#pos);
          if (q < 0) throw this.#error(startLine, 'extraneous or missing " in quoted-field');
          field += text.slice(this.#pos, q);
          this.#pos = q + 1;
          if (text[this.#pos] === '"') {
            field += '"';
            this.#pos++;
            continue;
          }
          break;
        }
        field = field.replace(/\r\n/g, '\n');
        this.#line += (field.match(/\n/g) ?? []).length;
        if (!this.#atFieldEnd()) throw this.#error(startLine, 'extraneous or missing " in quoted-field');
      } else {
        let end = this.#pos;
        while (end < text.length && !text.startsWith(delimiter, end) && text[end] !== '\n') end++;
        field = text.slice(this.#pos, end);
        if (field.endsWith('\r') && text[end] === '\n') field = field.slice(0, -1);
        if (field.includes('"')) throw this.#error(startLine, 'bare " in non-quoted-field');
        this.#pos = end;
      }
      record.push(field);
      if (text.startsWith(delimiter, this.#pos)) {
        this.#pos += delimiter.length;
        continue;
      }
      if (text.startsWith('\r\n', this.#pos)) this.#pos += 2;
      else if (text[this.#pos] === '\n') this.#pos++;
      this.#line++;
      break;
    }
    if (this.#fields < 0) this.#fields = record.length;
    else if (record.length !== this.#fields) throw this.#error(startLine, 'wrong number of fields');
    return record;
  }

  #atFieldEnd(): boolean {
    const { text } = this;
    return (
      this.#pos >= text.length ||
      text.startsWith(this.delimiter, this.#pos) ||
      text[this.#pos] === '\n' ||
      text.startsWith('\r\n', this.#pos)
    );
  }

  #error(line: number, reason: string): Error {
    return new Error(`record on line ${line}: ${reason}`);
  }
}
