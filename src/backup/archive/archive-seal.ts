import { crc32 } from 'node:zlib';
import { TenantopsError } from '../../errors/index.ts';
import type { TableData } from './manifest.ts';
import { parseTarHeader, TAR_BLOCK, TAR_END, tarHeader, tarPadding } from './tar.ts';

/**
 * The last part of a format 3 archive: the SHA-256 and length of every (gzip) byte before it, and each table's
 * data checksum, which the manifest at the front could not hold yet. It is a gzip member of its own, stored
 * (deflate block type 0) rather than compressed, so its length follows from the file's last 4 bytes and it is
 * found without decompressing anything: the integrity check is one hash over the file. `tar tzf` still reads the
 * archive (gzip decompresses concatenated members as one stream), seeing a `seal.json` entry and the tar end.
 */
export interface ArchiveSeal {
  /** Bytes of the gzip stream before the seal (after decryption, for an encrypted archive). */
  bodyBytes: number;
  bodySha256: string;
  /** Per manifest table, in manifest order. */
  tables: (TableData & { index: number })[];
}

export const SEAL_ENTRY = 'seal.json';
const GZIP_HEAD = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
const STORED_MAX = 0xffff;

function corrupt(why: string): never {
  throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', `archive is corrupt: ${why}`);
}

function blocks(size: number): number {
  return Math.max(1, Math.ceil(size / STORED_MAX));
}

/** The seal as a stored gzip member: a tar entry `seal.json` followed by the end-of-archive blocks. */
export function sealMember(seal: ArchiveSeal, mtime = Date.now()): Buffer {
  const json = Buffer.from(JSON.stringify(seal));
  const tar = Buffer.concat([tarHeader(SEAL_ENTRY, json.length, mtime), json, tarPadding(json.length), TAR_END]);
  const parts: Buffer[] = [GZIP_HEAD];
  const n = blocks(tar.length);
  for (let i = 0; i < n; i++) {
    const piece = tar.subarray(i * STORED_MAX, (i + 1) * STORED_MAX);
    const h = Buffer.alloc(5);
    h[0] = i === n - 1 ? 1 : 0;
    h.writeUInt16LE(piece.length, 1);
    h.writeUInt16LE(~piece.length & 0xffff, 3);
    parts.push(h, piece);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(tar), 0);
  trailer.writeUInt32LE(tar.length, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/** The seal at the end of `tail` (the last bytes of the gzip stream), and how many bytes of `tail` it takes. */
export function readSeal(tail: Buffer): { seal: ArchiveSeal; length: number } {
  if (tail.length < GZIP_HEAD.length + 13) corrupt('no seal (truncated?)');
  const size = tail.readUInt32LE(tail.length - 4);
  const length = GZIP_HEAD.length + 5 * blocks(size) + size + 8;
  if (length > tail.length) corrupt('no seal (truncated?)');
  const member = tail.subarray(tail.length - length);
  // All ten bytes: the header is always written as GZIP_HEAD, and a changed flag byte (FEXTRA, FNAME…) would make
  // gunzip, and so a restore, read the member differently from this parser, which the body's hash does not cover.
  if (!member.subarray(0, GZIP_HEAD.length).equals(GZIP_HEAD)) corrupt('no seal (truncated?)');
  const tar = Buffer.alloc(size);
  let at = GZIP_HEAD.length;
  for (let off = 0, i = 0; i < blocks(size); i++) {
    const len = member.readUInt16LE(at + 1);
    if (member.readUInt16LE(at + 3) !== (~len & 0xffff) || off + len > size) corrupt('bad seal block');
    member.copy(tar, off, at + 5, at + 5 + len);
    off += len;
    at += 5 + len;
  }
  if (member.readUInt32LE(length - 8) !== crc32(tar)) corrupt('seal checksum mismatch');
  const { name, size: jsonLen } = parseTarHeader(tar.subarray(0, TAR_BLOCK));
  if (name !== SEAL_ENTRY || TAR_BLOCK + jsonLen > size) corrupt('no seal entry');
  let seal: ArchiveSeal;
  try {
    seal = JSON.parse(tar.subarray(TAR_BLOCK, TAR_BLOCK + jsonLen).toString('utf8')) as ArchiveSeal;
  } catch (e) {
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', 'archive is corrupt: seal is not valid JSON', {
      cause: e,
    });
  }
  if (typeof seal.bodyBytes !== 'number' || typeof seal.bodySha256 !== 'string' || !Array.isArray(seal.tables))
    corrupt('seal is incomplete');
  return { seal, length };
}
