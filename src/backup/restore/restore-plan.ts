import { createHash } from 'node:crypto';
import type { DbSession } from '../../db/index.ts';
import { keySpec, type RowKeySpec } from './row-order.ts';
import { RowSpool } from './row-spool.ts';
import type { ManifestTable, TableDigest } from '../archive/manifest.ts';
import type { TenantScope } from '../tenant-scope.ts';

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
  /**
   * How the table was compared: 'server-digest' when the server's digest equalled the archive's, so no row of it
   * was read; 'rows' when the archive and the tenant's rows were merged row by row.
   */
  comparedBy: 'server-digest' | 'rows';
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
  return p.tables.map(({ table, current, archived, insert, update, delete: del, unchanged, shared, comparedBy }) => ({
    table,
    current,
    archived,
    insert,
    update,
    delete: del,
    unchanged,
    shared,
    comparedBy,
  }));
}

export interface PlanOptions {
  tenantId: string;
  /** Lock the tenant's rows while reading them (a real restore; a dry run only reads). */
  lock: boolean;
  /** Archive rows compared so far, as they go. */
  onRows?: (n: number) => void;
  /** The archive's server digests can be compared here (same engine and version): unchanged tables are skipped. */
  digests: boolean;
  /** Runs `fn` on a second connection, where the database offers one: digests are then taken two at a time. */
  side?: <T>(fn: (s: DbSession) => Promise<T>) => Promise<T>;
  /**
   * The tables the caller already found unchanged, each by the target's digest taken in this session with `lock`
   * (restore --from-db, which takes it beside the source's): the planner then takes no digest itself.
   */
  unchanged?: ReadonlySet<ManifestTable>;
  /** Test-only: called at named points (restore-tenant.ts, RestoreOptions.checkpoint). */
  checkpoint?: (name: string) => Promise<void>;
}

const EMPTY_SHA = createHash('sha256').digest('hex');

export function newTablePlan(t: ManifestTable, scope: TenantScope, current = 0): TablePlan {
  const info = scope.schema.get(t.name)!;
  return {
    table: t.name,
    role: t.role === 'parent' ? 'parent' : 'scope',
    columns: t.columns,
    spec: keySpec(info, t.columns),
    current,
    archived: t.rows,
    insert: 0,
    update: 0,
    delete: 0,
    unchanged: 0,
    shared: 0,
    comparedBy: 'rows',
    inserts: new RowSpool(),
    updates: new RowSpool(),
    deletes: new RowSpool(),
    before: { rows: 0, sha256: EMPTY_SHA },
    after: { rows: t.rows, sha256: t.sha256, serverDigest: t.serverDigest },
  };
}
