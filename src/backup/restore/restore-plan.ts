import type { RowKeySpec } from './row-order.ts';
import type { RowSpool } from './row-spool.ts';
import type { TableDigest } from '../archive/manifest.ts';

/** What a restore does to one table. The counts are what `--dry-run` prints and what the apply then does. */
export interface TableChange {
  table: string;
  /** The tenant's rows of this table now. */
  current: number;
  /** Rows the archive holds for it. */
  archived: number;
  insert: number;
  update: number;
  delete: number;
  unchanged: number;
  /** Rows reached from the tenant that another tenant's rows also own: never written, reported. */
  shared: number;
}

/** One table's part of a plan: the counts, and the rows themselves (spooled, so memory stays bounded). */
export interface TablePlan extends TableChange {
  role: 'scope' | 'parent';
  columns: string[];
  spec: RowKeySpec;
  /** Archive lines to insert. */
  inserts: RowSpool;
  /** `archive line \t current line` for rows to update. */
  updates: RowSpool;
  /** Current lines of rows to delete. */
  deletes: RowSpool;
  /** The tenant's rows of this table before the restore (what a safety backup puts back). */
  before: TableDigest;
  /** What the table must hold when the restore is done, checked before COMMIT. */
  after: TableDigest;
}

/**
 * A restore, computed from the archive and the database's current state before anything is written. The apply
 * executes exactly this plan; a dry run prints it.
 */
export interface RestorePlan {
  tenantId: string;
  tables: TablePlan[];
  notes: string[];
}

export const UPDATE_SEP = '\t';

export function closePlan(p: RestorePlan): void {
  for (const t of p.tables) for (const s of [t.inserts, t.updates, t.deletes]) s.close();
}

export function planChanges(p: RestorePlan): TableChange[] {
  return p.tables.map(({ table, current, archived, insert, update, delete: del, unchanged, shared }) => ({
    table,
    current,
    archived,
    insert,
    update,
    delete: del,
    unchanged,
    shared,
  }));
}
