import { createHash } from 'node:crypto';
import { TenantopsError } from '../../errors/index.ts';
import { readArchiveEntries } from '../archive/archive-reader.ts';
import type { Manifest, ManifestTable } from '../archive/manifest.ts';
import { chunkOwner } from '../verify-archive.ts';
import { lineStrings } from '../counted-lines.ts';

/** An archive whose integrity was checked, with its manifest. */
export interface ArchiveSource {
  path: string;
  passphrase?: string;
  manifest: Manifest;
}

/**
 * The archive's lines table by table, in archive order; one pass over the file, opened only when a table's lines
 * are first asked for, so a restore that the server's digests settle never decompresses the archive. Tables asked
 * for out of order are passed over unread. Every table read is hashed again and checked against the manifest,
 * so a file changed after its integrity check is still refused before anything is written.
 */
export class ArchiveLines {
  private it: AsyncIterator<{ name: string; data: Buffer }> | null = null;
  private readonly owners: Map<string, ManifestTable>;
  private readonly order: Map<ManifestTable, number>;
  private pending: { table: ManifestTable; data: Buffer } | null = null;
  private done = false;

  constructor(
    private readonly src: ArchiveSource,
    private readonly onRows?: (n: number) => void,
  ) {
    this.owners = chunkOwner(src.manifest);
    this.order = new Map(src.manifest.tables.map((t, i) => [t, i]));
  }

  private async fill(): Promise<void> {
    this.it ??= readArchiveEntries(this.src.path, this.src.passphrase)[Symbol.asyncIterator]();
    while (!this.pending && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return;
      }
      const t = this.owners.get(r.value.name);
      if (t) this.pending = { table: t, data: r.value.data };
    }
  }

  async *of(t: ManifestTable): AsyncIterable<string> {
    const at = this.order.get(t)!;
    const hash = createHash('sha256');
    let rows = 0;
    for (;;) {
      await this.fill();
      // Entries of tables before this one were not asked for (settled by their digest): passed over unparsed.
      while (this.pending && this.order.get(this.pending.table)! < at) {
        this.pending = null;
        await this.fill();
      }
      if (!this.pending || this.pending.table !== t) break;
      const { data } = this.pending;
      this.pending = null;
      hash.update(data);
      const lines = lineStrings(data);
      rows += lines.length;
      yield* lines;
      this.onRows?.(lines.length);
    }
    if (rows !== t.rows || hash.digest('hex') !== t.sha256)
      throw new TenantopsError(
        'TENANTOPS_E_ARCHIVE_CORRUPT',
        `archive is corrupt: table ${t.name} changed since its integrity check (${rows} rows, manifest says ${t.rows})`,
      );
  }

  /**
   * A table the server's digest shows unchanged: nothing is read now; a later table's read passes over it. Its
   * rows count as compared where the digest was taken (plan-from-archive), as soon as it was.
   */
  async skip(_t: ManifestTable): Promise<void> {}

  /** Ends the read; the whole file was checked before the plan began (verifyArchive). */
  async finish(): Promise<void> {
    await this.it?.return?.();
  }
}

export async function* chunked(src: AsyncIterable<string>, n: number): AsyncIterable<string[]> {
  let out: string[] = [];
  for await (const l of src) {
    out.push(l);
    if (out.length >= n) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}
