import { createHash } from 'node:crypto';
import type { ArchiveWriter } from './archive-writer.ts';

const CHUNK_BYTES = 4 * 1024 * 1024;

export interface ChunkedTable {
  rows: number;
  bytes: number;
  sha256: string;
  chunks: string[];
}

/**
 * One table's rows into an archive: NDJSON chunks of at most ~4 MB under `dir/`, hashed as they go. The one
 * writer of table data, for backups and for safety backups alike.
 */
export class TableChunks {
  private readonly hash = createHash('sha256');
  private pending: (string | Buffer)[] = [];
  private pendingBytes = 0;
  private readonly out: ChunkedTable = { rows: 0, bytes: 0, sha256: '', chunks: [] };

  constructor(
    private readonly writer: ArchiveWriter,
    private readonly dir: string,
  ) {}

  /** A batch of lines, hashed and measured as one string: per-line hashing was a visible share of a backup. */
  async addLines(lines: readonly string[]): Promise<void> {
    if (!lines.length) return;
    const text = lines.join('\n') + '\n';
    this.hash.update(text);
    this.out.rows += lines.length;
    this.out.bytes += Buffer.byteLength(text);
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= CHUNK_BYTES) await this.flush();
  }

  /** Complete lines as UTF-8, each ending in a newline (a bulk read's batch): hashed and kept as they are. */
  async addBytes(text: Buffer, rows: number): Promise<void> {
    if (!rows) return;
    this.hash.update(text);
    this.out.rows += rows;
    this.out.bytes += text.length;
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= CHUNK_BYTES) await this.flush();
  }

  async add(line: string): Promise<void> {
    const l = line + '\n';
    this.hash.update(l);
    this.out.rows++;
    this.out.bytes += Buffer.byteLength(l);
    this.pending.push(l);
    this.pendingBytes += l.length;
    if (this.pendingBytes >= CHUNK_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    const name = `${this.dir}/${String(this.out.chunks.length).padStart(6, '0')}.ndjson`;
    const buf = this.pending.every((p) => typeof p === 'string')
      ? Buffer.from(this.pending.join(''))
      : Buffer.concat(this.pending.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    this.pending = [];
    this.pendingBytes = 0;
    this.out.chunks.push(name);
    await this.writer.addEntry(name, buf);
  }

  async finish(): Promise<ChunkedTable> {
    await this.flush();
    this.out.sha256 = this.hash.digest('hex');
    return this.out;
  }
}
