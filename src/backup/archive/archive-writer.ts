import { createWriteStream, lstatSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import { once } from 'node:events';
import { TenantopsError } from '../../errors/index.ts';
import { encryptionHeader } from './archive-crypto.ts';
import { TAR_END, tarHeader, tarPadding } from './tar.ts';
import { trackPartial, untrackPartial } from './partial-files.ts';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  ENOENT: 'no such directory',
  EISDIR: 'is a directory',
  EIO: 'input/output error',
};

function writeError(path: string, e: unknown): TenantopsError {
  if (e instanceof TenantopsError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return new TenantopsError(
    'TENANTOPS_E_IO',
    `cannot write ${path}: ${REASONS[code] ?? (e as Error).message} (${code || 'error'}); no partial file was left`,
    { cause: e },
  );
}

/** An archive goes to a new path or replaces a regular file; never a device, a directory or a socket. */
function checkTarget(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isFile())
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `${path} exists and is not a regular file; give a new path or an existing archive to replace`,
    );
}

/**
 * Writes tar → gzip → (AES-256-GCM) → `<path>.partial` (mode 0600), renamed to `path` only by finish(), so a
 * crash never leaves a file that looks complete. A write error (ENOSPC…) fails the next call with one clear
 * error, and abort() removes the partial file.
 */
export class ArchiveWriter {
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  private readonly done: Promise<void>;
  private bytes = 0;
  private failed: Error | null = null;
  /** Settles when a stream fails, so a wait for drain or finish never outlives the error. */
  private readonly failure: Promise<void>;

  private constructor(
    readonly path: string,
    passphrase: string | undefined,
  ) {
    checkTarget(path);
    // A .partial left by a killed run is ours and incomplete: it never blocks the next run.
    rmSync(`${path}.partial`, { force: true });
    this.file = createWriteStream(`${path}.partial`, { mode: 0o600, flags: 'wx' });
    trackPartial(`${path}.partial`);
    this.gzip = createGzip({ level: 6 });
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
      this.gzip.pipe(cipher);
      cipher.on('error', fail);
      cipher.on('data', (c: Buffer) => this.file.write(c));
      this.done = once(cipher, 'end').then(() => {
        this.file.end(cipher.getAuthTag());
        return once(this.file, 'finish').then(() => undefined);
      });
    } else {
      this.gzip.pipe(this.file);
      this.done = once(this.file, 'finish').then(() => undefined);
    }
    // The error path settles through `failed`; an unobserved rejection here must not crash the process.
    this.done.catch(() => undefined);
  }

  static create(path: string, passphrase?: string): ArchiveWriter {
    return new ArchiveWriter(path, passphrase);
  }

  private async write(b: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    this.bytes += b.length;
    if (!this.gzip.write(b)) await Promise.race([once(this.gzip, 'drain'), this.failure]);
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

  async finish(): Promise<void> {
    await this.write(TAR_END);
    this.gzip.end();
    await Promise.race([this.done, this.failure]);
    if (this.failed) throw this.failed;
    try {
      renameSync(`${this.path}.partial`, this.path);
    } catch (e) {
      throw writeError(this.path, e);
    }
    untrackPartial(`${this.path}.partial`);
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    this.file.destroy();
    rmSync(`${this.path}.partial`, { force: true });
    untrackPartial(`${this.path}.partial`);
  }
}
