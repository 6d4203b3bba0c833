import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { errnoText, TenantopsError } from '../../errors/index.ts';
import { decipherFor, ENC_HEADER_LEN, ENC_MAGIC, GCM_TAG_LEN } from './archive-crypto.ts';
import { readTar } from './tar.ts';

const READ_CHUNK = 1 << 20;

async function readHead(path: string, n: number): Promise<Buffer> {
  const cannot = (e: unknown) =>
    new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', `cannot open archive ${path}: ${errnoText(e)}`, { cause: e });
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw cannot(e);
  }
  try {
    const b = Buffer.alloc(n);
    // A directory opens, and fails here (EISDIR).
    const { bytesRead } = await fh.read(b, 0, n, 0).catch((e: unknown) => Promise.reject(cannot(e)));
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The file's bytes from `start`, reporting how many were read (for progress over the archive's size). */
async function* fileBytes(path: string, start: number, onBytes?: (n: number) => void): AsyncIterable<Buffer> {
  for await (const chunk of createReadStream(path, { start, highWaterMark: READ_CHUNK })) {
    onBytes?.((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

/** Holds back the GCM tag (the last 16 bytes) while streaming the ciphertext (after the header) through the decipher. */
async function* decrypt(
  header: Buffer,
  body: AsyncIterable<Buffer>,
  passphrase: string | undefined,
): AsyncIterable<Buffer> {
  if (header.length < ENC_HEADER_LEN)
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', 'archive is corrupt: truncated header');
  const decipher = decipherFor(header, passphrase);
  let tail = Buffer.alloc(0);
  for await (const chunk of body) {
    const all = Buffer.concat([tail, chunk]);
    tail = all.subarray(Math.max(0, all.length - GCM_TAG_LEN));
    const rest = all.subarray(0, Math.max(0, all.length - GCM_TAG_LEN));
    if (rest.length) yield decipher.update(rest);
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

/**
 * An archive that is not a local file (an object in a bucket): its bytes as one forward-only stream, so the
 * reader takes the header off the front instead of reading it apart.
 */
export interface ArchiveByteSource {
  /** For messages: the object's address. */
  name: string;
  bytes(): AsyncIterable<Buffer>;
}

/** The first `n` bytes of a stream, and the rest of it (without them). */
async function splitHead(
  src: AsyncIterable<Buffer>,
  n: number,
): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = src[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    len += r.value.length;
  }
  const first = Buffer.concat(parts);
  async function* rest(): AsyncIterable<Buffer> {
    if (first.length > n) yield first.subarray(n);
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head: first.subarray(0, n), rest: rest() };
}

async function* counted(src: AsyncIterable<Buffer>, onBytes?: (n: number) => void): AsyncIterable<Buffer> {
  for await (const c of src) {
    onBytes?.(c.length);
    yield c;
  }
}

async function* prepend(head: Buffer, rest: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  if (head.length) yield head;
  yield* rest;
}

async function* gunzip(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  // 1 MB pieces rather than zlib's 16 KB: every piece crosses three async iterators and the tar reader, which cost
  // more than the inflating (the bench archive's 38 MB: 190–290 ms → 55–135 ms, docs/performance.md).
  const gz = createGunzip({ chunkSize: READ_CHUNK });
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

/** Throws TENANTOPS_E_ARCHIVE_CORRUPT naming the path when it cannot be opened and read (missing, a directory). */
export async function assertArchiveReadable(path: string): Promise<void> {
  await readHead(path, 1);
}

export async function isEncrypted(path: string): Promise<boolean> {
  return (await readHead(path, ENC_MAGIC.length)).equals(ENC_MAGIC);
}

/** The archive's entries in order, streamed; errors are TENANTOPS_E_ARCHIVE_* with a clear reason. */
export async function* readArchiveEntries(
  source: string | ArchiveByteSource,
  passphrase?: string,
  onBytes?: (n: number) => void,
): AsyncIterable<{ name: string; data: Buffer }> {
  yield* readTar(gunzip(plainArchiveBytes(source, passphrase, onBytes)));
}

/**
 * The archive's gzip stream, decrypted if it is encrypted (the GCM tag is checked when the stream ends), not yet
 * decompressed: what the seal's checksum covers.
 */
export async function* plainArchiveBytes(
  source: string | ArchiveByteSource,
  passphrase?: string,
  onBytes?: (n: number) => void,
): AsyncIterable<Buffer> {
  let head: Buffer;
  let rest: AsyncIterable<Buffer>;
  if (typeof source === 'string') {
    head = await readHead(source, ENC_HEADER_LEN);
    onBytes?.(head.length);
    rest = fileBytes(source, head.length, onBytes);
  } else {
    ({ head, rest } = await splitHead(counted(source.bytes(), onBytes), ENC_HEADER_LEN));
  }
  let plain: AsyncIterable<Buffer>;
  if (head.subarray(0, ENC_MAGIC.length).equals(ENC_MAGIC)) plain = decrypt(head, rest, passphrase);
  else if (head[0] === 0x1f && head[1] === 0x8b) plain = prepend(head, rest);
  else
    throw new TenantopsError(
      'TENANTOPS_E_ARCHIVE_FORMAT',
      `${typeof source === 'string' ? source : source.name} is not a tenantops archive (neither gzip nor encrypted)`,
    );
  yield* plain;
}
