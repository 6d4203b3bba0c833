import type { ManifestTable } from '../archive/manifest.ts';

/**
 * Where a restore plan's rows come from, table by table: an archive (ArchiveLines, reading the file once) or a
 * source database read in one snapshot (DbRowSource, restore --from-db, no file at all). The planner asks for each
 * table of the manifest at most once, in manifest order, and consumes each table's lines as they stream, so memory
 * stays bounded whatever the source.
 */
export interface RowSource {
  /** The table's canonical lines, in the manifest's row order. */
  of(t: ManifestTable): AsyncIterable<string>;
  /** Passes over a table the planner does not need row by row (its server digest showed it unchanged). */
  skip(t: ManifestTable): Promise<void>;
  /** Called once the plan is made: reads to the end (an archive's trailer) or releases what the source holds. */
  finish(): Promise<void>;
  /**
   * The table's lines again from the start, to say where a restored table differs from its source; absent where
   * only the archive can be read again (the caller then reads the archive file).
   */
  reread?(t: ManifestTable): AsyncIterable<string>;
}
