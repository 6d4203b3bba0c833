import type { BulkValue, DbSession } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import { bindValue, boundBytes, parseRow, type CanonicalValue } from '../archive/canonical-row.ts';
import { columnOf, isPartitionOf, type SchemaInfo, type TableInfo } from '../schema-info.ts';
import { bindTenant } from '../scope/scope-plan.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { FkActionVictims } from './fk-action-victims.ts';
import { keyMatch } from './key-match.ts';
import { UPDATE_SEP, type RestorePlan, type TablePlan } from './restore-plan.ts';
import { touchedMismatch } from './touched-mismatch.ts';
import { updateRows, UPDATE_ROWS, type Changed, type RowUpdate } from './update-rows.ts';

const MAX_PARAMS = 30000;
const MAX_ROWS = 1000;
// What one statement binds comes from the dialect (BackupDialect.statementBytes: 4 MB, less under a smaller MariaDB
// max_allowed_packet). Updates grouped into one statement stay far below it (a quarter); a row larger than a 64th
// goes alone, where a value too large for one statement is staged in pieces.
const GROUP_SHARE = 4;
const GROUP_ROW_SHARE = 64;

/**
 * A table with at least this many rows to insert is loaded through the engine's bulk protocol (COPY, LOAD DATA):
 * a deleted tenant or a new database. Below it a delta keeps multi-row INSERTs, one statement per 1,000 rows,
 * where the bulk path's fixed cost would not pay (docs/performance.md, "Bulk inserts").
 */
export const BULK_MIN_ROWS = 1000;
// Rows read from the spool between progress reports while a bulk load streams.
const BULK_BATCH = 1000;

export interface ApplyHooks {
  /** Rows written by the statement that just ran (sent, for a bulk load). */
  onRows?: (n: number) => void;
  checkpoint?: (name: string) => Promise<void>;
  /** Overrides BULK_MIN_ROWS (tests force either path with it). */
  bulkMinRows?: number;
}

/**
 * Tables ordered parents first by their declared foreign keys (a partition stands for its partitioned parent),
 * ties in plan order: NOT DEFERRABLE FKs hold at every statement for a role that cannot relax them. Tables in
 * a cycle keep plan order; their FKs must be deferrable, or relaxed, as the dialect does.
 */
export function fkOrder(schema: SchemaInfo, tables: readonly string[]): string[] {
  const set = new Set(tables);
  const parentsOf = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const t of tables) {
    for (const fk of schema.get(t)!.foreignKeys) {
      const targets = set.has(fk.refTable)
        ? [fk.refTable]
        : tables.filter((x) => isPartitionOf(schema.get(x), fk.refTable));
      for (const p of targets) if (p !== t) parentsOf.get(t)!.add(p);
    }
  }
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < tables.length) {
    const ready = tables.find((t) => !done.has(t) && [...parentsOf.get(t)!].every((p) => done.has(p)));
    const next = ready ?? tables.find((t) => !done.has(t))!;
    done.add(next);
    out.push(next);
  }
  return out;
}

async function applyDeletes(
  s: DbSession,
  scope: TenantScope,
  t: TablePlan,
  hooks: ApplyHooks,
  victims: FkActionVictims,
): Promise<void> {
  const d = scope.dialect;
  const info = scope.schema.get(t.table)!;
  for (const batch of t.deletes.batches(t.spec.wholeRow ? 1 : 500)) {
    // Rows of the tenant an ON DELETE action would reach are taken out first (and put back later), which may take
    // planned deletes of this same table along (a self-reference): those are not deleted twice.
    await victims.beforeDelete(t, batch.map(parseRow));
    const rows = batch.filter((l) => !victims.alreadyDeleted(t.table, l)).map(parseRow);
    if (!rows.length) {
      hooks.onRows?.(batch.length);
      continue;
    }
    if (t.spec.wholeRow) {
      // Equal rows of a table without a key are duplicates: each delete removes exactly one of them.
      for (const r of rows) {
        const m = keyMatch(d, info, t.spec, [r], 1);
        const res = await s.execute(d.deleteOne(t.table, m.sql), m.params);
        if (res.affectedRows !== 1) throw touchedMismatch('a delete', t.table, 1, res.affectedRows);
      }
    } else {
      const m = keyMatch(d, info, t.spec, rows, 1);
      const res = await s.execute(`DELETE FROM ${d.from(t.table)} WHERE ${m.sql}`, m.params);
      // Every batch must make progress by exactly its size: never a loop that repeats a statement.
      if (res.affectedRows !== rows.length) throw touchedMismatch('a delete', t.table, rows.length, res.affectedRows);
    }
    hooks.onRows?.(batch.length);
  }
}

async function bindAll(
  s: DbSession,
  scope: TenantScope,
  values: readonly CanonicalValue[],
  slot: { n: number },
): Promise<{ sql: string | null; value: unknown }[]> {
  const out: { sql: string | null; value: unknown }[] = [];
  const bound = values.map(bindValue);
  // Values each small enough to bind can still make a statement too large together (five values of 3.9 MB passed
  // MariaDB's 16 MB packet: the server dropped the connection, and every rerun failed alike). The largest are
  // staged too, until what is bound in the statement itself fits the dialect's statementBytes.
  const limit = await scope.dialect.statementBytes(s);
  const sizes = bound.map(boundBytes);
  const forced = new Set<number>();
  let inline = sizes.reduce((a, b) => a + b, 0);
  for (const i of sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]!)) {
    if (inline <= limit) break;
    forced.add(i);
    inline -= sizes[i]!;
  }
  for (const [i, b] of bound.entries()) {
    const staged = await scope.dialect.stageLargeValue(s, b, slot.n++, forced.has(i));
    out.push({ sql: staged, value: b });
  }
  return out;
}

/**
 * The columns an update may not change in place without risking a collision with another of the tenant's rows
 * still to be updated (two rows swapping a unique value): those of every unique index besides the identity, every
 * column for an index on expressions, and the columns a generated column of a unique index is computed from.
 * An update never sets a generated column: until 2026-12-08 two rows swapping emails under
 * `UNIQUE (org_id, email_lc)`, `email_lc AS (LOWER(email))`, were updated in place and collided half-way
 * (TENANTOPS_E_KEY_COLLISION, rolled back).
 */
function uniqueColumns(info: TableInfo, keyCols: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const add = (c: string) => {
    if (!keyCols.has(c)) out.add(c);
  };
  for (const ix of info.uniqueIndexes)
    for (const c of ix.columns ?? info.columns.map((x) => x.name)) {
      add(c);
      const g = columnOf(info, c);
      if (g.generated) for (const x of info.columns) if (!x.generated && mayRead(g.generationExpr, x.name)) add(x.name);
    }
  return out;
}

/**
 * Whether a generated column's expression may read a column: its name appears in it. Erring on the side of yes
 * (an unknown expression, a name with quote characters, which the expression writes doubled) only costs a row
 * taken out and put back instead of updated in place.
 */
function mayRead(expr: string | undefined, name: string): boolean {
  return expr === undefined || /[`"]/.test(name) || expr.includes(name);
}

async function applyUpdates(
  s: DbSession,
  scope: TenantScope,
  t: TablePlan,
  hooks: ApplyHooks,
  victims: FkActionVictims,
): Promise<Set<string>> {
  const d = scope.dialect;
  const info = scope.schema.get(t.table)!;
  const unique = uniqueColumns(info, new Set(t.spec.columns));
  // A row whose unique values change is taken out and put back after the table's other updates: updated in place
  // one by one, rows that swap or shift unique values (positions, slugs) collide with each other half-way. Only
  // where putting it back is the same row: every column travels in the archive, no trigger sees the delete, and no
  // reference to it acts or fails while it is away.
  const reinsert =
    unique.size > 0 &&
    !info.triggers.length &&
    info.columns.every((c) => c.generated || t.columns.includes(c.name)) &&
    d.reinsertKeepsReferences(info, scope.schema);
  const split = splitUpdate(scope, t, reinsert, unique);
  let moved = 0;
  // Rows an ON DELETE CASCADE took out: they go back whole (FkActionVictims.putBack), not updated here.
  const gone = new Set<string>();
  // Plain updates setting the same columns go together, one statement per UPDATE_ROWS rows (updateRows). Not
  // where a trigger sees the table's statements, nor for a column of a unique index (rows that swap its values
  // collide half-way within a statement as between statements), nor for a value large enough to be staged.
  const grouped = !info.triggers.length;
  const limit = await d.statementBytes(s);
  let group: RowUpdate[] = [];
  let groupSet: Changed = [];
  let groupBytes = 0;
  const flush = async () => {
    if (group.length === 1) await updateRow(s, scope, t, group[0]!.prev, group[0]!.next, groupSet);
    else if (group.length) await updateRows(s, scope, t, group, groupSet);
    group = [];
    groupBytes = 0;
  };
  for (const batch of t.updates.batches(200)) {
    for (const line of batch) {
      if (victims.skipsUpdate(t.table, line.slice(line.indexOf(UPDATE_SEP) + 1))) {
        gone.add(line);
        continue;
      }
      const u = split(line);
      if (u.moved) {
        const m = keyMatch(d, info, t.spec, [u.prev], 1);
        const res = await s.execute(`DELETE FROM ${d.from(t.table)} WHERE ${m.sql}`, m.params);
        if (res.affectedRows !== 1) throw touchedMismatch('an update', t.table, 1, res.affectedRows);
        moved++;
        continue;
      }
      if (!u.changed.length) continue;
      const bytes = line.length;
      if (!grouped || bytes > limit / GROUP_ROW_SHARE || u.changed.some(({ c }) => unique.has(c))) {
        await updateRow(s, scope, t, u.prev, u.next, u.changed);
        continue;
      }
      const same = u.changed.length === groupSet.length && u.changed.every((x, i) => x.c === groupSet[i]!.c);
      if (!same || group.length >= UPDATE_ROWS || groupBytes + bytes > limit / GROUP_SHARE) await flush();
      groupSet = u.changed;
      group.push(u);
      groupBytes += bytes;
    }
    await flush();
    hooks.onRows?.(batch.length);
  }
  if (!moved) return gone;
  // Read again from the spool (constant memory): every row taken out goes back whole, with the archive's values.
  const head = d.insertHead(info, t.columns);
  for (const batch of t.updates.batches(200)) {
    for (const line of batch) {
      if (gone.has(line)) continue;
      const u = split(line);
      if (!u.moved) continue;
      const bound = await bindAll(s, scope, u.next, { n: 0 });
      const params: unknown[] = [];
      const ph = bound.map((b) => b.sql ?? (params.push(b.value), d.param(params.length)));
      const res = await s.execute(`${head}(${ph.join(', ')})`, params);
      if (res.affectedRows !== 1) throw touchedMismatch('an update', t.table, 1, res.affectedRows);
    }
  }
  return gone;
}

/**
 * How one planned update is written: the columns set in place now, those set after the table's inserts (`late`),
 * and whether the row is taken out and put back instead (`moved`).
 */
function splitUpdate(scope: TenantScope, t: TablePlan, reinsert: boolean, unique: ReadonlySet<string>) {
  const info = scope.schema.get(t.table)!;
  const keyCols = new Set(t.spec.columns);
  // Columns the server rewrites on UPDATE unless they are set: always set, to the archive's value.
  const always = new Set(info.columns.filter((c) => c.onUpdate).map((c) => c.name));
  // A reference to another row of the same table, checked at the statement, may name a row this table's inserts
  // have yet to write (a tree re-parented under a new node): it is set after them. Inserting first instead would
  // collide with unique values the updates give up.
  const selfRefs = new Set(
    scope.dialect.foreignKeysAtStatement
      ? info.foreignKeys
          .filter((fk) => !fk.deferrable && (fk.refTable === t.table || isPartitionOf(info, fk.refTable)))
          .flatMap((fk) => fk.columns)
      : [],
  );
  return (line: string) => {
    const i = line.indexOf(UPDATE_SEP);
    const next = parseRow(line.slice(0, i));
    const prev = parseRow(line.slice(i + 1));
    const differs = (j: number) => JSON.stringify(next[j]) !== JSON.stringify(prev[j]);
    // Only the columns that differ are written: fewer ON UPDATE side effects, less to replicate.
    const all: Changed = t.columns
      .map((c, j) => ({ c, j }))
      .filter(({ c, j }) => !keyCols.has(c) && (always.has(c) || differs(j)));
    const moved = reinsert && all.some(({ c, j }) => unique.has(c) && differs(j));
    const isLate = ({ c, j }: { c: string; j: number }) => selfRefs.has(c) && differs(j) && next[j] !== null;
    return { next, prev, changed: all.filter((x) => !isLate(x)), late: all.filter(isLate), moved };
  };
}

/** `UPDATE … SET` these columns to the archive's values, for the one row with the current values `prev`. */
async function updateRow(
  s: DbSession,
  scope: TenantScope,
  t: TablePlan,
  prev: readonly CanonicalValue[],
  next: readonly CanonicalValue[],
  changed: Changed,
): Promise<void> {
  const d = scope.dialect;
  const info = scope.schema.get(t.table)!;
  const bound = await bindAll(
    s,
    scope,
    changed.map(({ j }) => next[j]!),
    { n: 0 },
  );
  const params: unknown[] = [];
  const sets = changed.map(({ c }, k) => {
    if (bound[k]!.sql) return `${d.quote(c)} = ${bound[k]!.sql}`;
    params.push(bound[k]!.value);
    return `${d.quote(c)} = ${d.param(params.length)}`;
  });
  const m = keyMatch(d, info, t.spec, [prev], params.length + 1);
  const res = await s.execute(`UPDATE ${d.from(t.table)} SET ${sets.join(', ')} WHERE ${m.sql}`, [
    ...params,
    ...m.params,
  ]);
  if (res.affectedRows !== 1) throw touchedMismatch('an update', t.table, 1, res.affectedRows);
}

/**
 * The references to rows of the same table that applyUpdates left for after the table's inserts (splitUpdate).
 * The row is found by its key, which an update never changes; a table without a key has no updates.
 */
async function applyLateReferences(scope: TenantScope, s: DbSession, t: TablePlan, gone: ReadonlySet<string>) {
  const split = splitUpdate(scope, t, false, new Set());
  for (const batch of t.updates.batches(200))
    for (const line of batch) {
      if (gone.has(line)) continue;
      const u = split(line);
      if (u.late.length) await updateRow(s, scope, t, u.next, u.next, u.late);
    }
}

/**
 * Whether the apply offers this table's inserts to the bulk load (which the server may still refuse). COPY does
 * not apply rewrite rules, which INSERT does: a table with rules on INSERT keeps INSERT, so both paths write the
 * same.
 */
export function takesBulkLoad(info: TableInfo, t: TablePlan, bulkMinRows = BULK_MIN_ROWS): boolean {
  return t.insert >= bulkMinRows && !info.insertRules?.length;
}

/**
 * The plan's inserts for a table in one bulk load, when the session can (else false, nothing written). The load
 * must report exactly the rows sent; a duplicate key fails it as it fails an INSERT.
 */
async function bulkInserts(s: DbSession, t: TablePlan, hooks: ApplyHooks): Promise<boolean> {
  let sent = 0;
  async function* rows(): AsyncIterable<BulkValue[]> {
    for (const batch of t.inserts.batches(BULK_BATCH)) {
      for (const line of batch) yield parseRow(line).map(bindValue);
      sent += batch.length;
      hooks.onRows?.(batch.length);
      // Inside the load, part of the rows sent: where a kill must leave nothing behind.
      await hooks.checkpoint?.('during-insert');
    }
  }
  const n = await s.copyRows(t.table, t.columns, rows());
  if (n === null) return false;
  if (n !== sent) throw touchedMismatch('a bulk load', t.table, sent, n);
  return true;
}

function note(plan: RestorePlan, text: string): void {
  if (!plan.notes.includes(text)) plan.notes.push(text);
}

async function applyInserts(
  s: DbSession,
  scope: TenantScope,
  plan: RestorePlan,
  t: TablePlan,
  hooks: ApplyHooks,
): Promise<void> {
  const d = scope.dialect;
  const info = scope.schema.get(t.table)!;
  if (takesBulkLoad(info, t, hooks.bulkMinRows)) {
    // The plan's notes are the result's: they say which path each large table took, and why not the fast one.
    if (await bulkInserts(s, t, hooks)) return note(plan, `bulk-loaded: ${t.table} (${t.insert} rows)`);
    note(plan, 'bulk load refused by the server (MariaDB: local_infile is OFF): rows inserted with INSERT');
  }
  const head = d.insertHead(info, t.columns);
  const limit = await d.statementBytes(s);
  const perStmt = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / Math.max(1, t.columns.length))));
  let rows: CanonicalValue[][] = [];
  let bytes = 0;
  const flush = async () => {
    if (!rows.length) return;
    const params: unknown[] = [];
    const tuples = rows.map(
      (r) =>
        `(${r.map((v) => {
          params.push(bindValue(v));
          return d.param(params.length);
        })})`,
    );
    const res = await s.execute(head + tuples.join(', '), params);
    if (res.affectedRows !== rows.length) throw touchedMismatch('an insert', t.table, rows.length, res.affectedRows);
    hooks.onRows?.(rows.length);
    rows = [];
    bytes = 0;
    await hooks.checkpoint?.('during-insert');
  };
  for (const batch of t.inserts.batches(perStmt)) {
    for (const line of batch) {
      const r = parseRow(line);
      if (line.length > limit / 4) {
        // A row with a large value goes alone, its large values staged by the dialect within the packet limit.
        await flush();
        const bound = await bindAll(s, scope, r, { n: 0 });
        const params: unknown[] = [];
        const ph = bound.map((b) => b.sql ?? (params.push(b.value), d.param(params.length)));
        const res = await s.execute(`${head}(${ph.join(', ')})`, params);
        if (res.affectedRows !== 1) throw touchedMismatch('an insert', t.table, 1, res.affectedRows);
        hooks.onRows?.(1);
        continue;
      }
      rows.push(r);
      bytes += line.length;
      if (rows.length >= perStmt || bytes >= limit) await flush();
    }
  }
  await flush();
}

/**
 * Executes a plan inside the caller's transaction: deletes children first, then updates and inserts parents
 * first, each statement checked to touch exactly the rows it names.
 */
export async function applyPlan(s: DbSession, scope: TenantScope, plan: RestorePlan, hooks: ApplyHooks): Promise<void> {
  try {
    await applyInOrder(s, scope, plan, hooks);
  } catch (e) {
    // The checks before writing ask the server about every unique index it reports; one they cannot ask about
    // (an index on a column the archive lacks) still ends here, as the collision it is.
    const code = (e as { driverCode?: string }).driverCode;
    // 23P01: an exclusion constraint's conflict, a collision of its own kind.
    if (code === 'ER_DUP_ENTRY' || code === '23505' || code === '23P01')
      throw new TenantopsError(
        'TENANTOPS_E_KEY_COLLISION',
        `an archive row collides with another row's unique key; rolled back: ${(e as Error).message}`,
        { cause: e },
      );
    throw e;
  }
}

async function applyInOrder(s: DbSession, scope: TenantScope, plan: RestorePlan, hooks: ApplyHooks): Promise<void> {
  const byName = new Map(plan.tables.map((t) => [t.table, t]));
  const order = fkOrder(
    scope.schema,
    plan.tables.map((t) => t.table),
  ).map((n) => byName.get(n)!);
  const victims = new FkActionVictims(s, scope, plan);
  for (const t of [...order].reverse()) if (t.delete) await applyDeletes(s, scope, t, hooks, victims);
  await hooks.checkpoint?.('after-delete');
  for (const t of order) {
    const gone = t.update ? await applyUpdates(s, scope, t, hooks, victims) : new Set<string>();
    // After the table's parents and its own updates: what an ON DELETE action changed goes back as archived.
    await victims.putBack(t, 'reset');
    await victims.putBack(t, 'reinsert');
    if (t.insert) await applyInserts(s, scope, plan, t, hooks);
    if (t.update) await applyLateReferences(scope, s, t, gone);
  }
  for (const n of victims.notes()) note(plan, n);
}

/**
 * Every declared foreign key of the tenant's rows holds, also where checks were relaxed or skipped (MariaDB
 * foreign_key_checks, PostgreSQL replica mode): checked for the tables the plan wrote and the tables they
 * reference, before COMMIT.
 */
export async function checkForeignKeys(s: DbSession, scope: TenantScope, plan: RestorePlan): Promise<void> {
  const d = scope.dialect;
  const changed = new Set(plan.tables.filter((t) => t.insert || t.update || t.delete).map((t) => t.table));
  const broken: string[] = [];
  for (const entry of scope.plan.entries) {
    const info: TableInfo = scope.schema.get(entry.table)!;
    for (const fk of info.foreignKeys) {
      const parentChanged =
        changed.has(fk.refTable) || [...changed].some((t) => isPartitionOf(scope.schema.get(t), fk.refTable));
      if (!changed.has(entry.table) && !parentChanged) continue;
      const b = bindTenant(entry.predicate, plan.tenantId, d.param);
      const self = d.quote(entry.table);
      const ref = scope.schema.has(fk.refTable) ? d.from(fk.refTable) : d.quote(fk.refTable);
      const notNull = fk.columns.map((c) => `${self}.${d.quote(c)} IS NOT NULL`).join(' AND ');
      // Only the referenced table is aliased: the tenant predicate may name this table, and a self-reference
      // must still tell the two apart.
      const join = fk.columns
        .map((c, i) => `tenantops_ref.${d.quote(fk.refColumns[i]!)} = ${self}.${d.quote(c)}`)
        .join(' AND ');
      const r = await s.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM ${d.from(entry.table)} WHERE ${b.sql} AND ${notNull} AND NOT EXISTS (SELECT 1 FROM ${ref} tenantops_ref WHERE ${join})`,
        b.params,
      );
      const n = Number(r[0]!.n);
      if (n > 0)
        broken.push(
          `${n} rows of ${entry.table}.${fk.columns.join(',')} reference missing ${fk.refTable}.${fk.refColumns.join(',')}`,
        );
    }
  }
  if (broken.length)
    throw new TenantopsError('TENANTOPS_E_INTEGRITY', `restored rows reference rows that do not exist; rolled back`, {
      details: broken,
    });
}
