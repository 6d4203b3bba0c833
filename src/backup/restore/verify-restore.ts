import type { DbSession } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import { readArchiveEntries } from '../archive/archive-reader.ts';
import { parseRow } from '../archive/canonical-row.ts';
import { canonicalLines, digestRows, queryLines, scopedSelect, selectList, type RowOrder } from '../dump-table.ts';
import { isPartitionOf } from '../schema-info.ts';
import { bindTenant } from '../scope/scope-plan.ts';
import { serverDigest } from '../server-digest.ts';
import { digestKindOf } from '../digest-kind.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { chunkOwner } from '../verify-archive.ts';
import type { ArchiveSource } from './archive-lines.ts';
import { keyMatch } from './key-match.ts';
import type { RowSource } from './row-source.ts';
import { rowKey } from './row-order.ts';
import { UPDATE_SEP, type RestorePlan, type TablePlan } from './restore-plan.ts';

function verifyFailed(t: TablePlan, detail: string): TenantopsError {
  return new TenantopsError(
    'TENANTOPS_E_VERIFY_FAILED',
    `restored rows of ${t.table} differ from the archive (${detail}); a trigger, ON UPDATE column, collation or a concurrent writer changed them; rolled back`,
  );
}

function describeDiff(t: TablePlan, want: string, got: string | undefined, where: string): string {
  if (got === undefined) return `${where} is missing after restore`;
  const a = parseRow(want);
  const b = parseRow(got);
  const col = t.columns.findIndex((_, j) => JSON.stringify(a[j]) !== JSON.stringify(b[j]));
  return `${where}: column ${t.columns[col] ?? '?'} is ${JSON.stringify(b[col])} after restore, ${JSON.stringify(a[col])} in the archive`;
}

/**
 * Every row the plan wrote, read back through the same locking read and compared with the archive's line: the
 * cost follows what was written.
 */
async function verifyWritten(s: DbSession, scope: TenantScope, t: TablePlan): Promise<void> {
  const d = scope.dialect;
  const info = scope.schema.get(t.table)!;
  const check = async (lines: string[]) => {
    const rows = lines.map(parseRow);
    // By identity alone, which an index serves; that the rows are the tenant's is what the per-table count adds.
    const m = keyMatch(d, info, t.spec, rows, 1);
    const q = {
      sql: `SELECT ${selectList(d, info, t.columns)} FROM ${d.from(t.table)} WHERE ${m.sql}${d.lockingRead}`,
      params: m.params,
    };
    const now = new Map<string, string>();
    for (const l of await queryLines(s, q, t.columns)) now.set(JSON.stringify(rowKey(parseRow(l), t.spec)), l);
    for (const [i, want] of lines.entries()) {
      const key = JSON.stringify(rowKey(rows[i]!, t.spec));
      const got = now.get(key);
      if (got !== want) throw verifyFailed(t, describeDiff(t, want, got, `row ${key}`));
    }
  };
  for (const batch of t.inserts.batches(500)) await check(batch);
  for (const batch of t.updates.batches(500)) await check(batch.map((l) => l.slice(0, l.indexOf(UPDATE_SEP))));
}

/**
 * Reading back one written row by its key costs about as much as 10 (PostgreSQL) to 20 (MariaDB) rows of a server
 * digest's pass (docs/performance.md, *Verification that follows the writes*): below a table's eighth, its written
 * rows are read back.
 */
const DIGEST_ROWS_PER_READ_BACK = 8;

/**
 * The tables whose rows the plan's writes can change besides the rows written: every table when a written table
 * has triggers (or PostgreSQL rules, which checkTriggers counts as triggers): they may write anywhere; every table
 * too when the plan writes only shared parent rows (below: then the tables may not be locked); else every table
 * with a foreign key into a table the plan deletes from or updates, whatever its action: the server's CASCADE or
 * SET NULL, and the rows FkActionVictims takes out and puts back, are not in the plan's counts.
 */
function reachedTables(scope: TenantScope, plan: RestorePlan): Set<string> | 'all' {
  const written = plan.tables.filter((t) => t.insert || t.update || t.delete);
  const info = (t: string) => scope.schema.get(t)!;
  if (written.some((t) => info(t.table).triggers.length)) return 'all';
  // Only shared parent rows written (--include-parents): then no table of the scope differed, and on MariaDB the
  // tables the planner summed on its second connection were never locked (plan-from-archive, unchangedTables,
  // locks them only when one differs), so a writer of the tenant may have changed them since: none is as read.
  if (written.length && !written.some((t) => t.role === 'scope')) return 'all';
  // To a fixpoint: a row an action reached may be referenced in turn (a CASCADE two levels down), and a reached
  // table's triggers fire too.
  const changed = written.filter((t) => t.update || t.delete).map((t) => info(t.table));
  const out = new Set<string>();
  for (let i = 0; i < changed.length; i++) {
    const c = changed[i]!;
    for (const child of scope.schema.values()) {
      if (out.has(child.name)) continue;
      if (!child.foreignKeys.some((fk) => c.name === fk.refTable || isPartitionOf(c, fk.refTable))) continue;
      if (child.triggers.length) return 'all';
      out.add(child.name);
      changed.push(child);
    }
  }
  return out;
}

/**
 * Before COMMIT, the tenant is checked against the archive at a cost that follows the writes. A table nothing
 * wrote or reached (reachedTables) was settled before the writes and is not read again. A written table nothing
 * else reached, whose writes are under an eighth of its rows, has every written row read back and compared with
 * the archive's line, and must hold the archive's number of rows. Every other table: where the archive carries the
 * server's digest and this server computes the same (same engine and version), one server-side pass settles it:
 * any row a trigger, an ON UPDATE column, a collation or another writer changed, written by the restore or not,
 * changes the digest; otherwise the written rows are read back and counted, and tables without a key, tables
 * something reached and safety backups (whose promise is the whole tenant's digest) are re-read whole and compared
 * by SHA-256. A mismatch is explained down to the row and column by reading the table against the archive.
 */
export async function verifyRestore(
  s: DbSession,
  scope: TenantScope,
  plan: RestorePlan,
  src: ArchiveSource,
  how: { order: RowOrder; digests: boolean; onTable?: (n: number) => void },
  /** The rows' source when it is not `src`'s file (restore --from-db): read again to explain a mismatch. */
  rows?: RowSource,
): Promise<void> {
  const d = scope.dialect;
  const { order } = how;
  const entries = new Map(scope.plan.entries.map((e) => [e.table, e]));
  const whole = (src.manifest.kind ?? 'tenant') === 'undo';
  // Other writers are kept out of every table of the tenant, rows and the gaps between them, by the restore's
  // locks at the isolation its transaction takes (TransactionOptions.locking).
  const reached = reachedTables(scope, plan);
  const one = async (t: TablePlan): Promise<void> => {
    const writes = t.insert + t.update + t.delete;
    const touched = reached === 'all' || reached.has(t.table);
    // Under the restore's lock only the restore writes, so a table settled by its digest that no write of the plan
    // can reach is still as read.
    if (t.role !== 'scope' || (!writes && !touched && t.comparedBy === 'server-digest')) return;
    const e = entries.get(t.table)!;
    const info = scope.schema.get(t.table)!;
    // The archive's digest, or (a safety backup) the one recorded for a table its restore skipped.
    const recorded = how.digests ? t.after.serverDigest : undefined;
    const kind = recorded !== undefined && digestKindOf(recorded, d);
    // Rows only the plan's own writes can have changed are read back, where that costs less than the digest's pass
    // over the whole table: the rest of the table was compared before the writes and nothing else wrote it.
    const readBack = !touched && !whole && !t.spec.wholeRow && writes * DIGEST_ROWS_PER_READ_BACK < t.after.rows;
    if (kind && !readBack) {
      if ((await serverDigest(s, scope, t.table, t.columns, plan.tenantId, true, kind)) !== recorded) {
        // The digest stands in for comparing every row with the archive, which now settles it: a digest can differ
        // where the rows do not (PostgreSQL's hashtextextended gives other values on a server of the other byte
        // order, whose version string may be the same), and then the table is verified row by row. Read as the
        // digest read, with the lock: on MariaDB a plain read sees the transaction's snapshot, older than a row
        // another writer committed since, and passed the table the digest had just failed.
        const q = scopedSelect(d, info, t.columns, e.predicate, plan.tenantId, { order, lock: true });
        const diff = await firstDifference(s, src, t, q, rows);
        if (diff !== null) throw verifyFailed(t, diff ?? `${t.after.rows} rows expected`);
      }
      return;
    }
    // A table an FK action reached may hold changes in rows nobody wrote: without a digest, it is re-read whole.
    if (whole || t.spec.wholeRow || touched) {
      const q = scopedSelect(d, info, t.columns, e.predicate, plan.tenantId, { order, lock: true });
      const r = await digestRows(s, q, t.columns);
      if (r.sha256 !== t.after.sha256 || r.rows !== t.after.rows) await explainMismatch(s, src, t, q, rows);
      return;
    }
    await verifyWritten(s, scope, t);
    const b = bindTenant(e.predicate, plan.tenantId, d.param);
    const r = await s.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ${d.from(t.table)} WHERE ${b.sql}`,
      b.params,
    );
    if (Number(r[0]!.n) !== t.after.rows)
      throw verifyFailed(t, `${String(r[0]!.n)} rows after restore, ${t.after.rows} in the archive`);
  };
  for (const t of plan.tables) {
    await one(t);
    how.onTable?.(1);
  }
}

/** Finds the first row and column where the re-read data differs from the archive, then fails the restore. */
async function explainMismatch(
  s: DbSession,
  src: ArchiveSource,
  t: TablePlan,
  q: { sql: string; params: readonly unknown[] },
  rows?: RowSource,
): Promise<never> {
  throw verifyFailed(t, (await firstDifference(s, src, t, q, rows)) ?? `${t.after.rows} rows expected`);
}

/**
 * Where the rows of `q` first differ from the archive's lines of the table, as a message; null when every row is
 * the archive's and there are no others; undefined when there is nothing to compare with (a safety backup).
 */
async function firstDifference(
  s: DbSession,
  src: ArchiveSource,
  t: TablePlan,
  q: { sql: string; params: readonly unknown[] },
  rows?: RowSource,
): Promise<string | null | undefined> {
  const archived =
    (src.manifest.kind ?? 'tenant') === 'tenant' ? src.manifest.tables.find((x) => x.name === t.table) : undefined;
  if (!archived) return undefined;
  const owners = chunkOwner(src.manifest);
  const now = canonicalLines(s, q, t.columns)[Symbol.asyncIterator]();
  let batch: string[] = [];
  let i = 0;
  let n = 0;
  async function* fromArchive(): AsyncIterable<string> {
    for await (const e of readArchiveEntries(src.path, src.passphrase))
      if (owners.get(e.name) === archived) yield* e.data.toString('utf8').split('\n');
  }
  let detail: string | null = null;
  // A source database's lines are read to the end even past the difference: its connection must finish the
  // result set, as the target's must.
  for await (const line of rows?.reread ? rows.reread(archived) : fromArchive()) {
    if (!line || detail !== null) continue;
    if (i >= batch.length) {
      const r = await now.next();
      batch = r.done ? [] : r.value;
      i = 0;
    }
    n++;
    const got = batch[i++];
    if (got !== line) {
      detail = describeDiff(t, line, got, `row ${n}`);
      if (!rows?.reread) break;
    }
  }
  // Drained, never abandoned: a MariaDB connection must finish its result set before the ROLLBACK. A row left
  // over is one the archive does not have.
  let extra = detail === null ? batch.length - i : 0;
  for (let r = await now.next(); !r.done; r = await now.next()) if (detail === null) extra += r.value.length;
  if (extra > 0) detail = `${extra} rows more than the archive's ${n}`;
  return detail;
}
