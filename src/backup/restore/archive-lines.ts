import { readArchiveEntries } from '../archive/archive-reader.ts';
import type { Manifest, ManifestTable } from '../archive/manifest.ts';
import { chunkOwner } from '../verify-archive.ts';

/** An archive whose integrity was checked, with its manifest. */
export interface ArchiveSource {
  path: string;
  passphrase?: string;
  manifest: Manifest;
}

/** The archive's lines table by table, in archive order; one pass over the file. */
export class ArchiveLines {
  private readonly it: AsyncIterator<{ name: string; data: Buffer }>;
  private readonly owners: Map<string, ManifestTable>;
  private pending: { table: ManifestTable; lines: string[] } | null = null;
  private done = false;

  constructor(
    src: ArchiveSource,
    private readonly onRows?: (n: number) => void,
  ) {
    this.it = readArchiveEntries(src.path, src.passphrase)[Symbol.asyncIterator]();
    this.owners = chunkOwner(src.manifest);
  }

  private async fill(): Promise<void> {
    while (!this.pending && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return;
      }
      const t = this.owners.get(r.value.name);
      if (t)
        this.pending = {
          table: t,
          lines: r.value.data
            .toString('utf8')
            .split('\n')
            .filter((l) => l.length),
        };
    }
  }

  async *of(t: ManifestTable): AsyncIterable<string> {
    for (;;) {
      await this.fill();
      if (!this.pending || this.pending.table !== t) return;
      const { lines } = this.pending;
      this.pending = null;
      yield* lines;
      this.onRows?.(lines.length);
    }
  }

  /** Passes over a table's lines without handing them out (a table the server's digest shows unchanged). */
  async skip(t: ManifestTable): Promise<void> {
    for await (const _ of this.of(t));
  }

  /** Reads to the end, so gunzip and the decipher see the whole file. */
  async finish(): Promise<void> {
    while (!this.done) {
      this.pending = null;
      await this.fill();
    }
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
