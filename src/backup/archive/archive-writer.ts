import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import { once } from 'node:events';
import { encryptionHeader } from './archive-crypto.ts';
import { TAR_END, tarHeader, tarPadding } from './tar.ts';

/**
 * Writes tar → gzip → (AES-256-GCM) → `<path>.partial` (mode 0600), renamed to `path` only by finish(), so a
 * crash never leaves a file that looks complete.
 */
export class ArchiveWriter {
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  private readonly done: Promise<void>;
  private bytes = 0;

  private constructor(
    readonly path: string,
    passphrase: string | undefined,
  ) {
    this.file = createWriteStream(`${path}.partial`, { mode: 0o600, flags: 'wx' });
    this.gzip = createGzip({ level: 6 });
    if (passphrase) {
      const { header, cipher } = encryptionHeader(passphrase);
      this.file.write(header);
      this.gzip.pipe(cipher);
      cipher.on('data', (c: Buffer) => this.file.write(c));
      this.done = once(cipher, 'end').then(() => {
        this.file.end(cipher.getAuthTag());
        return once(this.file, 'finish').then(() => undefined);
      });
    } else {
      this.gzip.pipe(this.file);
      this.done = once(this.file, 'finish').then(() => undefined);
    }
  }

  static create(path: string, passphrase?: string): ArchiveWriter {
    return new ArchiveWriter(path, passphrase);
  }

  private async write(b: Buffer): Promise<void> {
    this.bytes += b.length;
    if (!this.gzip.write(b)) await once(this.gzip, 'drain');
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

  async finish(): Promise<void> {
    await this.write(TAR_END);
    this.gzip.end();
    await this.done;
    renameSync(`${this.path}.partial`, this.path);
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    this.file.destroy();
    rmSync(`${this.path}.partial`, { force: true });
  }
}
