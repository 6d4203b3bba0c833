import { TenantopsError } from '../../errors/index.ts';
import type { ArchiveSink } from './archive-sink.ts';
import { ArchiveWriter } from './archive-writer.ts';
import type { Manifest, ManifestHead, TableData } from './manifest.ts';

/**
 * Writes one archive (format 3), the tenant's or a safety backup: the manifest head first, then the table entries
 * `fill` adds (returning each head table's data, in head order), then the seal with their checksums. The head's
 * row counts were taken before the rows were read, in the same snapshot; a table whose rows do not match them
 * fails the write. On any error the partial file is removed. Returns the whole manifest (head and seal merged).
 */
export async function writeArchive(
  target: string | ArchiveSink,
  passphrase: string | undefined,
  head: ManifestHead,
  fill: (writer: ArchiveWriter) => Promise<TableData[]>,
): Promise<Manifest> {
  const writer = ArchiveWriter.create(target, passphrase);
  try {
    await writer.addEntry('manifest.json', Buffer.from(JSON.stringify(head, null, 2)));
    const data = await fill(writer);
    if (data.length !== head.tables.length)
      throw new Error(`${data.length} tables written, head has ${head.tables.length}`);
    const tables = head.tables.map((t, i) => {
      const d = data[i]!;
      if (d.rows !== t.rows) {
        throw new TenantopsError(
          'TENANTOPS_E_INTERNAL',
          `${t.name}: ${d.rows} rows written, ${t.rows} counted before in the same snapshot; no archive was left`,
        );
      }
      return { ...t, ...d };
    });
    await writer.finish(
      tables.map(({ index, rows, bytes, sha256, chunks, serverDigest }) => ({
        index,
        rows,
        bytes,
        sha256,
        chunks,
        ...(serverDigest !== undefined ? { serverDigest } : {}),
      })),
    );
    return { ...head, tables };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
