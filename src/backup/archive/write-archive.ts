import { ArchiveWriter } from './archive-writer.ts';
import type { Manifest } from './manifest.ts';

/**
 * Writes one archive, the tenant's or a safety backup: `fill` adds the table entries and returns the manifest,
 * which goes last (it holds every table's checksum); on any error the partial file is removed.
 */
export async function writeArchive(
  path: string,
  passphrase: string | undefined,
  fill: (writer: ArchiveWriter) => Promise<Manifest>,
): Promise<Manifest> {
  const writer = ArchiveWriter.create(path, passphrase);
  try {
    const manifest = await fill(writer);
    await writer.addEntry('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
    await writer.finish();
    return manifest;
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
