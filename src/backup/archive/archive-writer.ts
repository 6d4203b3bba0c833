import type { Writable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { once } from 'node:events';
import { errnoText, TenantopsError } from '../../errors/index.ts';
import { encryptionHeader } from './archive-crypto.ts';
import { createHash, type Hash } from 'node:crypto';
import { sealMember, type ArchiveSeal } from './archive-seal.ts';
import { tarHeader, tarPadding } from './tar.ts';
import type { ArchiveSink } from './archive-sink.ts';
import { partialFileSink } from './partial-file-sink.ts';

// Uncompressed bytes a writer may leave queued for gzip before it waits: compression runs on libuv's threadpool, and
// waiting for each 4 MB chunk to drain kept the reader idle while it was compressed (0.6-1.7 s of a 270k-row
// backup; docs/performance.md). Two chunks' worth keeps memory bounded and the rows flowing.
const IN_FLIGHT = 8 * 1024 * 1024;

function writeError(path: string, e: unknown): TenantopsError {
  if (e instanceof TenantopsError) return e;
  return new TenantopsError('TENANTOPS_E_IO', `cannot write ${path}: ${errnoText(e)}; no partial file was left`, {
    cause: e,
  });
}

/**
 * Writes tar → gzip → (AES-256-GCM) → a sink, the seal (archive-seal) last: for a path, `<path>.partial` (mode 0600), renamed to `path` only by
 * finish(), so a crash never leaves a file that looks complete; for an object store, an upload completed only by
 * finish(). A write error (ENOSPC…) fails the next call with one clear error, and abort() removes what was written.
 */
export class ArchiveWriter {
  private readonly gzip: Gzip;
  private readonly file: Writable;
  readonly path: string;
  private readonly done: Promise<void>;
  private readonly out: Writable;
  private readonly gzipEnded: Promise<void>;
  private readonly body: Hash = createHash('sha256');
  private bodyBytes = 0;
  private bytes = 0;
  private failed: Error | null = null;
  /** Settles when a stream fails, so a wait for drain or finish never outlives the error. */
  private readonly failure: Promise<void>;

  private constructor(
    private readonly sink: ArchiveSink,
    passphrase: string | undefined,
  ) {
    const path = (this.path = sink.name);
    this.file = sink.stream;
    // Level 3, not zlib's default 6: on a 270k-row tenant's 38 MB of rows, 0.46 s of CPU instead of 1.08 s for an
    // archive 16 % larger (level 1: 0.34 s, 31 % larger); docs/performance.md. The CPU is the backup's bottleneck.
    // A 256 KB output buffer instead of 16 KB: each buffer filled is a round trip through the main thread, which is
    // busy encoding rows.
    this.gzip = createGzip({ level: 3, chunkSize: 256 * 1024 });
    let onFailure!: () => void;
    this.failure = new Promise((resolve) => (onFailure = resolve));
    const fail = (e: Error) => {
      this.failed ??= writeError(path, e);
      onFailure();
    };
    this.file.on('error', fail);
    this.gzip.on('error', fail);
    if (passphrase) {
      const { header, cipher } = encryptionHeader(passphrase);
      this.file.write(header);
      cipher.on('error', fail);
      cipher.on('data', (c: Buffer) => this.file.write(c));
      this.out = cipher;
      this.done = once(cipher, 'end').then(() => {
        this.file.end(cipher.getAuthTag());
        return once(this.file, 'finish').then(() => undefined);
      });
    } else {
      this.out = this.file;
      this.done = once(this.file, 'finish').then(() => undefined);
    }
    // The compressed bytes are hashed on their way out: the seal's checksum of the body (format 3), which lets a
    // reader check integrity without decompressing. Not piped, so the seal can follow the body in the same stream.
    this.gzip.on('data', (c: Buffer) => {
      this.body.update(c);
      this.bodyBytes += c.length;
      if (!this.out.write(c)) this.gzip.pause();
    });
    this.out.on('drain', () => this.gzip.resume());
    this.gzipEnded = once(this.gzip, 'end').then(() => undefined);
    // The error path settles through `failed`; an unobserved rejection here must not crash the process.
    this.done.catch(() => undefined);
    this.gzipEnded.catch(() => undefined);
  }

  /** A local file (a new path or a regular file to replace), or any other sink. */
  static create(target: string | ArchiveSink, passphrase?: string): ArchiveWriter {
    return new ArchiveWriter(typeof target === 'string' ? partialFileSink(target) : target, passphrase);
  }

  private async write(b: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    this.bytes += b.length;
    if (!this.gzip.write(b) && this.gzip.writableLength > IN_FLIGHT)
      await Promise.race([once(this.gzip, 'drain'), this.failure]);
    if (this.failed) throw this.failed;
  }

  async addEntry(name: string, data: Buffer): Promise<void> {
    await this.write(tarHeader(name, data.length, Date.now()));
    await this.write(data);
    await this.write(tarPadding(data.length));
  }

  /** Uncompressed tar bytes written so far. */
  get size(): number {
    return this.bytes;
  }

  /** Ends the body and writes the seal (format 3) after it: the body's checksum and each table's. */
  async finish(tables: ArchiveSeal['tables']): Promise<void> {
    if (this.failed) throw this.failed;
    this.gzip.end();
    await Promise.race([this.gzipEnded, this.failure]);
    if (this.failed) throw this.failed;
    this.out.end(sealMember({ bodyBytes: this.bodyBytes, bodySha256: this.body.digest('hex'), tables }));
    await Promise.race([this.done, this.failure]);
    if (this.failed) throw this.failed;
    try {
      await this.sink.commit();
    } catch (e) {
      throw writeError(this.path, e);
    }
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.sink.abort();
  }
}
