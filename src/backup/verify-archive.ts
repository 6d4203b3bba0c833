import { createHash } from 'node:crypto';
import { TenantopsError } from '../errors/index.ts';
import { readArchiveEntries, type ArchiveByteSource } from './archive/archive-reader.ts';
import { FORMAT, FORMAT_VERSION, type Manifest, type ManifestTable } from './archive/manifest.ts';

/** Maps a chunk's entry name to its table entry. */
export function chunkOwner(manifest: Manifest): Map<string, ManifestTable> {
  const m = new Map<string, ManifestTable>();
  for (const t of manifest.tables) for (const c of t.chunks) m.set(c, t);
  return m;
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
 * Reads the whole archive once: the encryption tag, the gzip trailer, every tar header, and every table's row
 * count and SHA-256 against the manifest. Nothing is trusted until this returns.
 */
export async function verifyArchive(
  path: string | ArchiveByteSource,
  passphrase?: string,
  onBytes?: (n: number) => void,
): Promise<Manifest> {
  const hashes = new Map<string, { hash: ReturnType<typeof createHash>; rows: number; bytes: number }>();
  let manifest: Manifest | undefined;
  for await (const e of readArchiveEntries(path, passphrase, onBytes)) {
    if (e.name === 'manifest.json') {
      try {
        manifest = checkFormat(JSON.parse(e.data.toString('utf8')));
      } catch (err) {
        if (err instanceof TenantopsError) throw err;
        throw new TenantopsError('TENANTOPS_E_ARCHIVE_CORRUPT', 'archive is corrupt: manifest is not valid JSON', {
          cause: err,
        });
      }
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
