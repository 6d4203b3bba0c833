import { CsvRecordReader } from './csv-record-reader.ts';
import { K6File, fileCursor, type FileCursor } from './k6-file.ts';

interface CsvOptions {
  delimiter?: string;
  skipFirstLine?: boolean;
  fromLine?: number;
  toLine?: number;
  asObjects?: boolean;
}

type Row = string[] | Record<string, string>;

/**
 * Rows of a k6/experimental/fs File with k6's csv options
 * (https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/csv/options/). Lines are counted
 * in records from 0, the header included; `toLine` is the last record returned. Reading moves the
 * File's offset, as k6's parser reads through the File.
 */
class RowReader {
  readonly #file: FileCursor;
  readonly #start: number;
  readonly #records: CsvRecordReader;
  readonly #toLine: number | undefined;
  readonly #header: string[] | undefined;
  #line = 0;
  #bytes = 0;

  constructor(file: unknown, options: CsvOptions = {}) {
    if (!(file instanceof K6File))
      throw new TypeError('first argument expected to be a fs.File instance (from k6/experimental/fs open())');
    const o = validate(options ?? {});
    this.#file = fileCursor(file);
    this.#start = this.#file.offset;
    const text = new TextDecoder().decode(this.#file.bytes.subarray(this.#start));
    this.#records = new CsvRecordReader(text, o.delimiter ?? ',');
    this.#toLine = o.toLine;
    if (o.asObjects) {
      const header = this.#next();
      if (!header) throw new Error('failed to read the first line; reason: EOF');
      this.#header = header;
    }
    if (o.skipFirstLine && !o.fromLine && !this.#next()) throw new Error('failed to skip the first line; reason: EOF');
    while (o.fromLine !== undefined && this.#line < o.fromLine) {
      if (!this.#next()) throw new Error(`failed to skip lines until line ${o.fromLine}; reason: EOF`);
    }
  }

  read(): Row | null {
    if (this.#toLine !== undefined && this.#toLine > 0 && this.#line > this.#toLine) return null;
    const record = this.#next();
    if (!record || !this.#header) return record;
    if (record.length !== this.#header.length)
      throw new Error(`record length (${record.length}) doesn't match header length (${this.#header.length})`);
    return Object.fromEntries(this.#header.map((name, i) => [name, record[i]]));
  }

  #next(): string[] | null {
    const from = this.#records.consumed;
    const record = this.#records.read();
    this.#bytes += Buffer.byteLength(this.#records.text.slice(from, this.#records.consumed));
    this.#file.moveTo(this.#start + this.#bytes);
    if (record) this.#line++;
    return record;
  }
}

function validate(o: CsvOptions): CsvOptions {
  if (o.delimiter !== undefined && [...String(o.delimiter)].length !== 1)
    throw new Error('delimiter must be a single character');
  if (o.asObjects && o.skipFirstLine)
    throw new Error("the 'asObjects' option cannot be enabled when 'skipFirstLine' is true");
  if (o.asObjects && o.fromLine !== undefined && o.fromLine > 0)
    throw new Error("the 'asObjects' option cannot be enabled when 'fromLine' is set to a value greater than 0");
  if (o.fromLine !== undefined && o.fromLine < 0)
    throw new Error(`the 'fromLine' option must be greater than or equal to 0; got ${o.fromLine}`);
  if (o.toLine !== undefined && o.toLine < 0)
    throw new Error(`the 'toLine' option must be greater than or equal to 0; got ${o.toLine}`);
  if (o.fromLine !== undefined && o.toLine !== undefined && o.fromLine >= o.toLine)
    throw new Error(
      `the 'fromLine' option must be less than the 'toLine' option; got 'fromLine': ${o.fromLine}, 'toLine': ${o.toLine}`,
    );
  return o;
}

function freezeRow(row: Row): Row {
  return Object.freeze(row) as Row;
}

/** The `k6/experimental/csv` module: https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/csv/ */
export function createK6ExperimentalCsv() {
  /** Reads the whole file into a read-only array, k6's SharedArray (built in each VU here, as `k6/data`'s). */
  function parse(file: unknown, options?: CsvOptions): Promise<readonly Row[]> {
    try {
      const reader = new RowReader(file, options);
      const rows: Row[] = [];
      for (let row = reader.read(); row; row = reader.read()) rows.push(freezeRow(row));
      return Promise.resolve(Object.freeze(rows));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Reads one row per `next()`: https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/csv/parser/ */
  class Parser {
    readonly #reader: RowReader;
    constructor(file: unknown, options?: CsvOptions) {
      this.#reader = new RowReader(file, options);
    }

    next(): Promise<{ done: boolean; value: Row }> {
      try {
        const row = this.#reader.read();
        // k6 resolves the end with an empty array as its value.
        return Promise.resolve(row ? { done: false, value: row } : { done: true, value: [] });
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  return { parse, Parser };
}
