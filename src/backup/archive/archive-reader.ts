import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { TenantopsError } from '../../errors/index.ts';
import { decipherFor, ENC_HEADER_LEN, ENC_MAGIC, GCM_TAG_LEN } from './archive-crypto.ts';
import { readTar } from './tar.ts';

async function readHead(path: string, n: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new TenantopsError(
      'TENANTOPS_E_ARCHIVE_CORRUPT',
      `cannot open archive ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      { cause: e },
    );
  }
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The file's bytes from `start`, reporting how many were read (for progress over the archive's size). */
async function* fileBytes(path: string, start: number, onBytes?: (n: number) => void): AsyncIterable<Buffer> {
  for await (const chunk of createReadStream(path, { start })) {
    onBytes?.((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

/** Holds back the GCM tag (the last 16 bytes) while streaming the ciphertext through the decipher. */
async function* decrypt(
  path: string,
  passphrase: string | undefined,
  onBytes?: (n: number) => void,
): AsyncIterable<Buffer> {
  const header = await readHead(path, ENC_HEADER_LEN);
  if (header.length < ENC_HEADER_LEN)
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', 'archive is corrupt: truncated header');
  const decipher = decipherFor(header, passphrase);
  let tail = Buffer.alloc(0);
  for await (const chunk of fileBytes(path, ENC_HEADER_LEN, onBytes)) {
    const all = Buffer.concat([tail, chunk]);
    tail = all.subarray(Math.max(0, all.length - GCM_TAG_LEN));
    const body = all.subarray(0, Math.max(0, all.length - GCM_TAG_LEN));
    if (body.length) yield decipher.update(body);
  }
  if (tail.length < GCM_TAG_LEN)
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', 'archive is corrupt: truncated');
  decipher.setAuthTag(tail);
  try {
    yield decipher.final();
  } catch (e) {
    throw new TenantopsError(
      'TENANTOPS_E_ARCHIVE_CORRUPT',
      'archive is corrupt: authentication tag mismatch (modified or truncated)',
      { cause: e },
    );
  }
}

async function* gunzip(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const gz = createGunzip();
  const input = Readable.from(source);
  input.on('error', (e) => gz.destroy(e));
  input.pipe(gz);
  try {
    for await (const c of gz) yield c as Buffer;
  } catch (e) {
    if (e instanceof TenantopsError) throw e;
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', `archive is corrupt: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

export async function isEncrypted(path: string): Promise<boolean> {
  return (await readHead(path, ENC_MAGIC.length)).equals(ENC_MAGIC);
}

/** The archive's entries in order, streamed; errors are TENANTOPS_E_ARCHIVE_* with a clear reason. */
export async function* readArchiveEntries(
  path: string,
  passphrase?: string,
  onBytes?: (n: number) => void,
): AsyncIterable<{ name: string; data: Buffer }> {
  const head = await readHead(path, ENC_MAGIC.length);
  let bytes: AsyncIterable<Buffer>;
  if (head.equals(ENC_MAGIC)) bytes = decrypt(path, passphrase, onBytes);
  else if (head[0] === 0x1f && head[1] === 0x8b) bytes = fileBytes(path, 0, onBytes);
  else
    throw new TenantopsError(
      'TENANTOPS_E_ARCHIVE_FORMAT',
      `${path} is not a tenantops archive (neither gzip nor encrypted)`,
    );
  yield* readTar(gunzip(bytes));
}
