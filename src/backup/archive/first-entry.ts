import { createGunzip } from 'node:zlib';
import { parseTarHeader, TAR_BLOCK } from './tar.ts';

/**
 * The first tar entry of a gzip stream that is being read for another purpose (the seal's checksum): fed the
 * same chunks until the entry is complete, then it stops decompressing. Resolves null when the stream does not
 * start with a readable entry (not gzip, not tar): the caller then reads the archive the older way, which says
 * what is wrong with it.
 */
export class FirstEntry {
  private readonly gz = createGunzip();
  private readonly out: Buffer[] = [];
  private have = 0;
  private settled = false;
  readonly entry: Promise<{ name: string; data: Buffer } | null>;
  private resolve!: (e: { name: string; data: Buffer } | null) => void;

  constructor() {
    this.entry = new Promise((r) => (this.resolve = r));
    this.gz.on('data', (c: Buffer) => {
      this.out.push(c);
      this.have += c.length;
      this.parse();
    });
    this.gz.on('error', () => this.settle(null));
    this.gz.on('end', () => this.settle(null));
  }

  get done(): boolean {
    return this.settled;
  }

  private settle(e: { name: string; data: Buffer } | null): void {
    if (this.settled) return;
    this.settled = true;
    this.out.length = 0;
    this.resolve(e);
    this.gz.destroy();
  }

  private parse(): void {
    if (this.settled || this.have < TAR_BLOCK) return;
    const all = Buffer.concat(this.out, this.have);
    this.out.length = 0;
    this.out.push(all);
    let h: { name: string; size: number };
    try {
      h = parseTarHeader(all.subarray(0, TAR_BLOCK));
    } catch {
      return this.settle(null);
    }
    if (this.have >= TAR_BLOCK + h.size)
      this.settle({ name: h.name, data: Buffer.from(all.subarray(TAR_BLOCK, TAR_BLOCK + h.size)) });
  }

  /** One more chunk of the gzip stream; resolves once it has been decompressed. */
  async feed(chunk: Buffer): Promise<void> {
    if (this.settled) return;
    await Promise.race([new Promise<void>((r) => this.gz.write(chunk, () => r())), this.entry]);
    // The decompressed bytes are emitted after the write's callback; one turn of the loop lets them arrive.
    await new Promise((r) => setImmediate(r));
  }

  /** No more input: the entry, or null. */
  async end(): Promise<{ name: string; data: Buffer } | null> {
    if (!this.settled) this.gz.end();
    return this.entry;
  }
}
