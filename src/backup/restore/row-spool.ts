import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

// Lines all spools of the process hold in memory together before the one being written to moves to disk: one
// budget for every table's inserts, updates and deletes (a deleted tenant fills one spool per table; per-spool
// budgets let them add up to hundreds of MB). A spool under SMALL_BYTES stays in memory, so a few rows are never
// written to disk; a restore's memory stays bounded whatever the damage and however many tables.
const MEMORY_BYTES = 16 * 1024 * 1024;
const SMALL_BYTES = 256 * 1024;
let held = 0;

/**
 * An append-only list of text lines (rows a restore will write or delete), read back in order any number of
 * times. Past MEMORY_BYTES it spills to a file in a private temporary directory, encrypted with a key that only
 * this process ever holds, so tenant data never rests on disk readable: not even when the process is killed.
 */
export class RowSpool {
  private lines: string[] = [];
  private bytes = 0;
  private file: { dir: string; fd: number; size: number; key: Buffer; iv: Buffer } | null = null;
  private cipher: ReturnType<typeof createCipheriv> | null = null;

  push(line: string): void {
    this.lines.push(line);
    this.bytes += line.length * 2;
    held += line.length * 2;
    if (this.bytes >= MEMORY_BYTES || (held >= MEMORY_BYTES && this.bytes >= SMALL_BYTES)) this.flush();
  }

  private flush(): void {
    if (!this.lines.length) return;
    held -= this.bytes;
    if (!this.file) {
      const dir = mkdtempSync(join(tmpdir(), 'tenantops-spool-'));
      const key = randomBytes(32);
      const iv = randomBytes(16);
      this.file = { dir, fd: openSync(join(dir, 'rows'), 'wx+', 0o600), size: 0, key, iv };
      this.cipher = createCipheriv('aes-256-ctr', key, iv);
    }
    const buf = this.cipher!.update(Buffer.from(this.lines.join('\n') + '\n'));
    writeSync(this.file.fd, buf, 0, buf.length, this.file.size);
    this.file.size += buf.length;
    this.lines = [];
    this.bytes = 0;
  }

  /** Every line in push order, in batches. */
  *batches(size = 1000): Iterable<string[]> {
    let out: string[] = [];
    if (this.file) {
      const d = createDecipheriv('aes-256-ctr', this.file.key, this.file.iv);
      const buf = Buffer.alloc(1 << 20);
      let pos = 0;
      let rest = '';
      // A read can end inside a multi-byte character; the decoder carries it over.
      const text8 = new StringDecoder('utf8');
      while (pos < this.file.size) {
        const n = readSync(this.file.fd, buf, 0, Math.min(buf.length, this.file.size - pos), pos);
        pos += n;
        const text = rest + text8.write(d.update(buf.subarray(0, n)));
        const parts = text.split('\n');
        rest = parts.pop()!;
        for (const p of parts) {
          out.push(p);
          if (out.length >= size) {
            yield out;
            out = [];
          }
        }
      }
    }
    for (const l of this.lines) {
      out.push(l);
      if (out.length >= size) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  }

  close(): void {
    held -= this.bytes;
    this.bytes = 0;
    if (this.file) {
      closeSync(this.file.fd);
      rmSync(this.file.dir, { recursive: true, force: true });
      this.file = null;
    }
    this.lines = [];
  }
}
