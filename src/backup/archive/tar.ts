// A minimal ustar writer/reader, enough for `tar tzf` / `tar xzf` to read our archives and for us to stream them.
import { TenantopsError } from '../../errors/index.ts';

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

export function tarHeader(name: string, size: number, mtime: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o600, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

export const TAR_END = Buffer.alloc(BLOCK * 2);

function corrupt(why: string): never {
  throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', `archive is corrupt: ${why}`);
}

/** An entry's name and size from its 512-byte header, the checksum checked. */
export function parseTarHeader(h: Buffer): { name: string; size: number } {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  const stored = parseInt(h.subarray(148, 156).toString('ascii').replace(/\0.*$/, '').trim(), 8);
  if (stored !== sum) corrupt('bad tar header checksum');
  const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
  const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim(), 8);
  if (!Number.isFinite(size) || size < 0) corrupt(`bad size for ${name}`);
  return { name, size };
}

export const TAR_BLOCK = BLOCK;

/**
 * Yields {name, data} per entry from a stream of tar bytes, holding at most one entry in memory. Incoming chunks
 * are kept in a list and joined once per entry: joining on every chunk made a 20 MB entry cost seconds.
 */
export async function* readTar(chunks: AsyncIterable<Buffer>): AsyncIterable<{ name: string; data: Buffer }> {
  const parts: Buffer[] = [];
  let have = 0;
  let ended = false;
  const it = chunks[Symbol.asyncIterator]();
  const need = async (n: number): Promise<boolean> => {
    while (have < n) {
      const r = await it.next();
      if (r.done) return false;
      parts.push(r.value);
      have += r.value.length;
    }
    return true;
  };
  const take = (n: number): Buffer => {
    if (n === 0) return Buffer.alloc(0);
    const first = parts[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) parts.shift();
      else parts[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(parts, have);
      out = all.subarray(0, n);
      parts.length = 0;
      if (all.length > n) parts.push(all.subarray(n));
    }
    have -= n;
    return out;
  };
  for (;;) {
    if (!(await need(BLOCK))) corrupt('truncated (no end-of-archive marker)');
    const h = take(BLOCK);
    if (h.every((b) => b === 0)) {
      ended = true;
      break;
    }
    const { name, size } = parseTarHeader(h);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (!(await need(size + pad))) corrupt(`truncated inside ${name}`);
    // A copy: the entry outlives the chunks it was cut from.
    const data = Buffer.from(take(size));
    if (pad) take(pad);
    yield { name, data };
  }
  if (!ended) corrupt('truncated');
  // Drain the rest so a decipher can verify its tag and gunzip can check its trailer.
  for (;;) {
    const r = await it.next();
    if (r.done) break;
  }
}
