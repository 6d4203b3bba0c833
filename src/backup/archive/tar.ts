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

/** Yields {name, data} per entry from a stream of tar bytes, holding at most one entry in memory. */
export async function* readTar(chunks: AsyncIterable<Buffer>): AsyncIterable<{ name: string; data: Buffer }> {
  let buf: Buffer = Buffer.alloc(0);
  let ended = false;
  const it = chunks[Symbol.asyncIterator]();
  const need = async (n: number): Promise<boolean> => {
    while (buf.length < n) {
      const r = await it.next();
      if (r.done) return false;
      buf = buf.length ? Buffer.concat([buf, r.value]) : r.value;
    }
    return true;
  };
  for (;;) {
    if (!(await need(BLOCK))) corrupt('truncated (no end-of-archive marker)');
    const h = buf.subarray(0, BLOCK);
    if (h.every((b) => b === 0)) {
      ended = true;
      break;
    }
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    const stored = parseInt(h.subarray(148, 156).toString('ascii').replace(/\0.*$/, '').trim(), 8);
    if (stored !== sum) corrupt('bad tar header checksum');
    const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim(), 8);
    if (!Number.isFinite(size) || size < 0) corrupt(`bad size for ${name}`);
    const total = BLOCK + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (!(await need(total))) corrupt(`truncated inside ${name}`);
    const data = Buffer.from(buf.subarray(BLOCK, BLOCK + size));
    buf = buf.subarray(total);
    yield { name, data };
  }
  if (!ended) corrupt('truncated');
  // Drain the rest so a decipher can verify its tag and gunzip can check its trailer.
  for (;;) {
    const r = await it.next();
    if (r.done) break;
  }
}
