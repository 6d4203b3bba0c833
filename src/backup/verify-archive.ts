import { createHash } from 'node:crypto';
import { TenantopsError } from '../errors/index.ts';
import { plainArchiveBytes, readArchiveEntries, type ArchiveByteSource } from './archive/archive-reader.ts';
import { readSeal } from './archive/archive-seal.ts';
import { FirstEntry } from './archive/first-entry.ts';
import { FORMAT, FORMAT_VERSION, type Manifest, type ManifestHead, type ManifestTable } from './archive/manifest.ts';

/** The end of the stream held back while hashing, where the seal is: it holds a few hundred bytes per table. */
const SEAL_HOLD = 4 * 1024 * 1024;

/** Maps a chunk's entry name to its table entry. */
export function chunkOwner(manifest: Manifest): Map<string, ManifestTable> {
  const m = new Map<string, ManifestTable>();
  for (const t of manifest.tables) for (const c of t.chunks) m.set(c, t);
  return m;
}

function corrupt(why: string): TenantopsError {
  return new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', `archive is corrupt: ${why}`);
}

function parseManifest(data: Buffer): Manifest {
  try {
    return checkFormat(JSON.parse(data.toString('utf8')));
  } catch (err) {
    if (err instanceof TenantopsError) throw err;
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', 'archive is corrupt: manifest is not valid JSON', {
      cause: err,
    });
  }
}

function checkFormat(raw: unknown): Manifest {
  const m = raw as Partial<Manifest>;
  if (m?.format !== FORMAT)
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_FORMAT', 'not a tenantops tenant archive (manifest format missing)');
  if (typeof m.formatVersion !== 'number' || m.formatVersion > FORMAT_VERSION || m.formatVersion < 1) {
    throw new TenantopsError(
      'TENANTOPS_E_ARCHIVE_FORMAT',
      `archive format version ${String(m.formatVersion)} is not supported by this tool (it reads versions 1..${FORMAT_VERSION}); upgrade tenantops`,
    );
  }
  return m as Manifest;
}

/**
 * Checks an archive's integrity and returns its manifest; nothing in it is trusted until this returns. Format 3:
 * one pass over the file's bytes, not decompressed (the encryption tag; the SHA-256 of everything before the seal;
 * the manifest at the front, decompressed alone), so a restore then reads the rows once. Formats 1 and 2: the
 * whole archive decompressed, every table's row count and SHA-256 against the manifest at the end.
 */
export async function verifyArchive(
  path: string | ArchiveByteSource,
  passphrase?: string,
  onBytes?: (n: number) => void,
): Promise<Manifest> {
  return (await verifySealed(path, passphrase, onBytes)) ?? verifyWhole(path, passphrase, onBytes);
}

/** A format 3 archive's manifest (head and seal merged) once its checksum holds; null for an older format. */
async function verifySealed(
  path: string | ArchiveByteSource,
  passphrase?: string,
  onBytes?: (n: number) => void,
): Promise<Manifest | null> {
  const first = new FirstEntry();
  const hash = createHash('sha256');
  let hashed = 0;
  const tail: Buffer[] = [];
  let held = 0;
  let head: ManifestHead | undefined;
  const known = async (e: { name: string; data: Buffer } | null): Promise<boolean> => {
    // An older archive starts with table data (or, for an empty tenant, a format 2 manifest): read it whole.
    if (!e || e.name !== 'manifest.json') return false;
    const m = parseManifest(e.data);
    if (m.formatVersion < 3) return false;
    head = m as unknown as ManifestHead;
    return true;
  };
  for await (const c of plainArchiveBytes(path, passphrase, onBytes)) {
    if (!head) {
      await first.feed(c);
      if (first.done && !(await known(await first.entry))) return null;
    }
    tail.push(c);
    held += c.length;
    while (held - tail[0]!.length >= SEAL_HOLD) {
      const b = tail.shift()!;
      hash.update(b);
      hashed += b.length;
      held -= b.length;
    }
  }
  if (!head && !(await known(await first.end()))) return null;
  const end = Buffer.concat(tail, held);
  const { seal, length } = readSeal(end);
  const body = end.length - length;
  if (hashed + body !== seal.bodyBytes)
    throw corrupt(`${hashed + body} bytes before the seal, it says ${seal.bodyBytes}`);
  hash.update(end.subarray(0, body));
  if (hash.digest('hex') !== seal.bodySha256) throw corrupt('checksum mismatch (modified or damaged)');
  const h = head!;
  if (seal.tables.length !== h.tables.length) throw corrupt('the seal and the manifest list different tables');
  const tables = h.tables.map((t, i) => {
    const d = seal.tables[i]!;
    if (d.index !== t.index || d.rows !== t.rows) throw corrupt(`table ${t.name}: the seal and the manifest differ`);
    const digest = d.serverDigest !== undefined ? { serverDigest: d.serverDigest } : {};
    return { ...t, rows: d.rows, bytes: d.bytes, sha256: d.sha256, chunks: d.chunks, ...digest };
  });
  return { ...h, tables };
}

async function verifyWhole(
  path: string | ArchiveByteSource,
  passphrase?: string,
  onBytes?: (n: number) => void,
): Promise<Manifest> {
  const hashes = new Map<string, { hash: ReturnType<typeof createHash>; rows: number; bytes: number }>();
  let manifest: Manifest | undefined;
  for await (const e of readArchiveEntries(path, passphrase, onBytes)) {
    if (e.name === 'manifest.json') {
      manifest = parseManifest(e.data);
      continue;
    }
    if (manifest)
      throw new TenantopsError(
        'TENANTOPS_E_ARCHIVE_CORRUPT',
        `archive is corrupt: data after the manifest (${e.name})`,
      );
    const dir = e.name.slice(0, e.name.lastIndexOf('/'));
    let h = hashes.get(dir);
    if (!h) hashes.set(dir, (h = { hash: createHash('sha256'), rows: 0, bytes: 0 }));
    h.hash.update(e.data);
    h.bytes += e.data.length;
    for (let i = e.data.indexOf(10); i >= 0; i = e.data.indexOf(10, i + 1)) h.rows++;
  }
  if (!manifest)
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', 'archive is corrupt: no manifest (truncated?)');
  const seenDirs = new Set<string>();
  for (const t of manifest.tables) {
    const dir = t.chunks[0]?.slice(0, t.chunks[0].lastIndexOf('/'));
    if (dir) seenDirs.add(dir);
    const h = dir ? hashes.get(dir) : undefined;
    const sha = h ? h.hash.digest('hex') : createHash('sha256').digest('hex');
    const rows = h?.rows ?? 0;
    if (rows !== t.rows || sha !== t.sha256) {
      throw new TenantopsError(
        'TENANTOPS_E_ARCHIVE_CORRUPT',
        `archive is corrupt: table ${t.name} has ${rows} rows / sha256 ${sha.slice(0, 12)}…, manifest says ${t.rows} / ${t.sha256.slice(0, 12)}…`,
      );
    }
  }
  for (const dir of hashes.keys()) {
    if (!seenDirs.has(dir))
      throw new TenantopsError(
        'TENANTOPS_E_ARCHIVE_CORRUPT',
        `archive is corrupt: entries ${dir}/ are not in the manifest`,
      );
  }
  return manifest;
}
