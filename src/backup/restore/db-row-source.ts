import { createHash } from 'node:crypto';
import type { DbSession } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import type { ManifestTable } from '../archive/manifest.ts';
import { canonicalLines, ROW_HASH } from '../dump-table.ts';
import { DigestAccumulator } from '../server-digest.ts';
import type { DigestKind } from '../digest-kind.ts';
import type { RowSource } from './row-source.ts';

/** One table's read on the source: the query whose canonical lines a backup would write for it, with ROW_HASH. */
export interface SourceRead {
  table: ManifestTable;
  query: { sql: string; params: readonly unknown[] };
}

/**
 * The rows of a tenant read straight from a source database, in the source's open snapshot, as a backup reads
 * them (the same queries, the same canonical lines, the same order), handed to the restore planner without an
 * archive in between. Each table's row count and SHA-256 are filled into its manifest entry as its lines pass, so
 * the restore's checks compare the target with exactly what was streamed. Memory: one batch of rows.
 */
export class DbRowSource implements RowSource {
  private readonly reads: Map<ManifestTable, SourceRead>;

  constructor(
    private readonly s: DbSession,
    reads: readonly SourceRead[],
    /** The kind of the row hashes the reads select (BackupDialect.rowHash's default on the source). */
    private readonly digestKind: DigestKind,
    private readonly onRows?: (n: number) => void,
  ) {
    this.reads = new Map(reads.map((r) => [r.table, r]));
  }

  private read(t: ManifestTable): SourceRead {
    const r = this.reads.get(t);
    if (!r) throw new TenantopsError('TENANTOPS_E_INTERNAL', `no source read for table ${t.name}`);
    return r;
  }

  async *of(t: ManifestTable): AsyncIterable<string> {
    const r = this.read(t);
    const hash = createHash('sha256');
    // Each row is read with its server hash (ROW_HASH), so the table's server digest comes out of the same pass:
    // the target is then checked before COMMIT with one server-side digest per table instead of a read-back.
    const digest = new DigestAccumulator(this.digestKind);
    let rows = 0;
    let bytes = 0;
    for await (const lines of canonicalLines(this.s, r.query, t.columns, (row) => digest.add(String(row[ROW_HASH])))) {
      for (const l of lines) {
        const line = l + '\n';
        hash.update(line);
        bytes += Buffer.byteLength(line);
        rows++;
        yield l;
      }
      this.onRows?.(lines.length);
    }
    // Recorded only once the whole table went by: a consumer that stopped early leaves the entry unfilled.
    t.rows = rows;
    t.bytes = bytes;
    t.sha256 = hash.digest('hex');
    t.serverDigest = digest.toString();
  }

  async skip(t: ManifestTable): Promise<void> {
    // Nothing read: the planner skips only a table whose server digest, taken on the source before the plan
    // (restore-from-db, with its count), equals the target's. It has no checksum: the digest stands for it in the
    // verification and in the safety backup's record of the table.
    if (t.serverDigest === undefined)
      throw new TenantopsError('TENANTOPS_E_INTERNAL', `table ${t.name} skipped without a source digest`);
  }

  async finish(): Promise<void> {}

  async *reread(t: ManifestTable): AsyncIterable<string> {
    for await (const lines of canonicalLines(this.s, this.read(t).query, t.columns)) yield* lines;
  }
}
