import type { ArchiveSink } from './archive-sink.ts';
import { ArchiveWriter } from './archive-writer.ts';
import type { Manifest } from './manifest.ts';

/**
 * Writes one archive, the tenant's or a safety backup: `fill` adds the table entries and returns the manifest,
 * which goes last (it holds every table's checksum); on any error the partial file is removed.
 */
export async function writeArchive(
  target: string | ArchiveSink,
  passphrase: string | undefined,
  fill: (writer: ArchiveWriter) => Promise<Manifest>,
): Promise<Manifest> {
  const writer = ArchiveWriter.create(target, passphrase);
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
