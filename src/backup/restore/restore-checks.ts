import type { DbSession, Row } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import { parseRow, type CanonicalValue } from '../archive/canonical-row.ts';
import type { Manifest } from '../archive/manifest.ts';
import type { BackupConfig } from '../config/backup-config.ts';
import { columnOf, type TableInfo, type UniqueIndexInfo } from '../schema-info.ts';
import { bindTenant, type Edge } from '../scope/scope-plan.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { keysIn } from './key-match.ts';
import { UPDATE_SEP, type RestorePlan, type TablePlan } from './restore-plan.ts';

const PARAM_BUDGET = 30000;
/** Rows per collision probe: enough to amortise a round trip, few enough for the planner to use the index. */
const MAX_PROBE_ROWS = 2000;
const MAX_REPORTED = 50;

/** The rows a plan writes to a table (inserted and/or updated, archive version), in batches. */
function* writtenRows(t: TablePlan, size: number, which: RowsToProbe): Iterable<CanonicalValue[][]> {
  if (which !== 'updates') for (const b of t.inserts.batches(size)) yield b.map(parseRow);
  if (which !== 'inserts')
    for (const b of t.updates.batches(size)) yield b.map((l) => parseRow(l.slice(0, l.indexOf(UPDATE_SEP))));
}

type RowsToProbe = 'all' | 'inserts' | 'updates';

/**
 * Which written rows checkCollisions probes. By default all of them. A restore may leave the inserts of bulk-loaded
 * tables (`deferred`) to the bulk load's own unique check: 'before-write' then probes everything else, and
 * 'after-failure' (the apply failed, rolled back to before its first write) probes just those inserts, so a
 * collision is reported exactly as the probes before writing would have.
 */
export interface ProbeSelection {
  deferred: ReadonlySet<string>;
  stage: 'before-write' | 'after-failure';
}

/** What checkCollisions probes in a table under `sel`, or null when that is nothing (no such rows). */
function rowsToProbe(t: TablePlan, sel: ProbeSelection | undefined): RowsToProbe | null {
  let which: RowsToProbe;
  if (sel?.deferred.has(t.table)) which = sel.stage === 'before-write' ? 'updates' : 'inserts';
  else if (sel?.stage === 'after-failure') return null;
  else which = 'all';
  // The same split as writtenRows.
  return (which !== 'updates' && t.insert) || (which !== 'inserts' && t.update) ? which : null;
}

/**
 * The rows whose values at these columns a plan removes (current version): deleted rows, and updated rows whose
 * values there change. An update that leaves a referenced key alone leaves its references alone.
 */
function* replacedRows(t: TablePlan, idx: readonly number[], size: number): Iterable<CanonicalValue[][]> {
  for (const b of t.deletes.batches(size)) yield b.map(parseRow);
  for (const b of t.updates.batches(size)) {
    const rows: CanonicalValue[][] = [];
    for (const l of b) {
      const i = l.indexOf(UPDATE_SEP);
      const next = parseRow(l.slice(0, i));
      const prev = parseRow(l.slice(i + 1));
      if (idx.some((j) => JSON.stringify(next[j]) !== JSON.stringify(prev[j]))) rows.push(prev);
    }
    if (rows.length) yield rows;
  }
}

/** `NOT (the tenant's predicate)`: rows of other tenants (and rows of nobody's) in an in-scope table. */
function othersOf(scope: TenantScope, table: string): string {
  const e = scope.plan.entries.find((x) => x.table === table);
  return e ? `NOT COALESCE((${e.predicate}), FALSE)` : 'TRUE';
}

/**
 * Every unique key (the primary key, constraints, unique indexes: expression, partial, case-insensitive, binary)
 * of every row the plan writes, against every row that is not the tenant's, compared by the server itself. Runs
 * before any write (for rows `sel` defers: after a failed apply, rolled back); a collision is refused with exit 4.
 */
export async function checkCollisions(
  s: DbSession,
  scope: TenantScope,
  plan: RestorePlan,
  sel?: ProbeSelection,
): Promise<void> {
  const d = scope.dialect;
  const found: string[] = [];
  for (const t of plan.tables) {
    const which = rowsToProbe(t, sel);
    if (!which) continue;
    const info = scope.schema.get(t.table)!;
    const indexes: UniqueIndexInfo[] = [...info.uniqueIndexes];
    if (info.primaryKey.length)
      indexes.unshift({
        name: 'PRIMARY KEY',
        parts: info.primaryKey.map(d.quote),
        columns: info.primaryKey,
        predicate: null,
      });
    for (const ix of indexes) {
      // Only the columns the index reads travel with the probe (all of them for an expression or partial index,
      // whose expressions may name any column): a wide table's rows are not sent once per index.
      const need =
        ix.columns && !ix.predicate && ix.columns.every((c) => t.columns.includes(c)) ? ix.columns : t.columns;
      const at = need.map((c) => t.columns.indexOf(c));
      const perBatch = Math.max(1, Math.floor(PARAM_BUDGET / Math.max(1, need.length)));
      for (const full of writtenRows(t, Math.min(MAX_PROBE_ROWS, perBatch), which)) {
        const rows = need === t.columns ? full : full.map((r) => at.map((i) => r[i]!));
        const others = bindTenant(othersOf(scope, t.table), plan.tenantId, d.param);
        const probe = d.collisionProbe(info, ix, need, rows, others.params.length + 1);
        if (!probe) break;
        const hits = await s.query(
          `SELECT ${probe.select} FROM ${d.from(t.table)} WHERE ${others.sql} AND ${probe.match}`,
          [...others.params, ...probe.params],
        );
        for (const h of hits) {
          const key = ix.parts.map((p, i) => `${ix.columns?.[i] ?? p}=${String(h[`k${i + 1}`])}`).join(', ');
          found.push(`${t.table} (${key}) belongs to another tenant (${ix.name})`);
        }
      }
    }
  }
  if (found.length) {
    throw new TenantopsError(
      'TENANTOPS_E_KEY_COLLISION',
      `${found.length} archive rows collide with other tenants' keys; nothing was written`,
      { details: found.slice(0, MAX_REPORTED) },
    );
  }
}

/**
 * Rows outside the tenant that reference a row this restore deletes, or whose referenced key it changes: other
 * tenants' rows, and rows of tables in other schemas (PostgreSQL) or databases (MariaDB) whose foreign keys point
 * into the schema. Deleting it would leave them dangling (or let CASCADE / SET NULL rewrite them): refused before any
 * write, with exit 4.
 */
export async function checkReferencedRows(s: DbSession, scope: TenantScope, plan: RestorePlan): Promise<void> {
  const d = scope.dialect;
  const byTable = new Map(plan.tables.map((t) => [t.table, t]));
  const found: string[] = [];
  const report = (from: string, columns: string[], hit: Row, to: string, refColumns: string[], how: string) =>
    found.push(
      `${from}(${columns.map((c) => `${c}=${String(hit[c])}`).join(', ')}) references ${to}(${refColumns.join(', ')}) that the restore removes (${how})`,
    );
  for (const e of [...scope.plan.internal, ...scope.plan.incoming]) {
    const target = byTable.get(e.to);
    if (!target) continue;
    for (const keys of removedKeys(target, e.refColumns)) {
      const others = bindTenant(othersOf(scope, e.from), plan.tenantId, d.param);
      const m = keysIn(d, scope.schema.get(e.from)!, e.columns, keys, others.params.length + 1);
      const hits = await s.query(
        `SELECT ${e.columns.map(d.quote).join(', ')} FROM ${d.from(e.from)} WHERE ${others.sql} AND ${m.sql}`,
        [...others.params, ...m.params],
      );
      for (const h of hits) report(e.from, e.columns, h, e.to, e.refColumns, e.source);
    }
  }
  // Foreign keys from other schemas that some row refused here goes through, named in the one-line message.
  const through = new Set<string>();
  for (const target of plan.tables) {
    const info = scope.schema.get(target.table)!;
    for (const fk of info.externalReferrers ?? []) {
      // The referencing columns compare as the referenced ones (an FK requires comparable types).
      const as: TableInfo = {
        ...info,
        columns: fk.columns.map((c, i) => ({ ...columnOf(info, fk.refColumns[i]!), name: c })),
      };
      const where = `${fk.schema}.${fk.table}`;
      for (const keys of removedKeys(target, fk.refColumns)) {
        const m = keysIn(d, as, fk.columns, keys, 1);
        const hits = await s
          .query(
            `SELECT ${fk.columns.map(d.quote).join(', ')} FROM ${d.fromOther(fk.schema, fk.table)} WHERE ${m.sql}`,
            m.params,
          )
          .catch((cause: unknown) => {
            throw new TenantopsError(
              'TENANTOPS_E_SHARED_ROWS',
              `cannot read ${where} to check its foreign key ${fk.name} into ${target.table} (the restoring role needs SELECT on it); nothing was written`,
              { cause },
            );
          });
        for (const h of hits) {
          through.add(`${where}.${fk.name}`);
          report(where, fk.columns, h, target.table, fk.refColumns, `foreign key ${fk.name} from another schema`);
        }
      }
    }
  }
  if (found.length) {
    throw new TenantopsError(
      'TENANTOPS_E_SHARED_ROWS',
      `${found.length} rows outside the tenant reference rows this restore would delete or rewrite${through.size ? ` (foreign keys from another schema: ${[...through].join(', ')})` : ''}; nothing was written`,
      { details: found.slice(0, MAX_REPORTED) },
    );
  }
}

/**
 * Rows outside the tenant (other tenants', nobody's, other schemas') that reference any of `rows` (values at
 * `columns`) of `table`, described for a refusal. The apply asks it before it takes out rows the plan did not
 * delete (FkActionVictims): their removal must not reach anyone else either.
 */
export async function outsideReferrers(
  s: DbSession,
  scope: TenantScope,
  tenantId: string,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly CanonicalValue[])[],
): Promise<string[]> {
  const d = scope.dialect;
  const info = scope.schema.get(table)!;
  const keysAt = (refColumns: readonly string[]) => {
    const idx = refColumns.map((c) => columns.indexOf(c));
    return idx.some((i) => i < 0) ? [] : uniqueKeys(rows.map((r) => idx.map((i) => r[i]!)));
  };
  const found: string[] = [];
  const describe = (from: string, cols: string[], hit: Row, refColumns: string[]) =>
    `${from}(${cols.map((c) => `${c}=${String(hit[c])}`).join(', ')}) references ${table}(${refColumns.join(', ')})`;
  for (const e of [...scope.plan.internal, ...scope.plan.incoming]) {
    if (e.to !== table) continue;
    const keys = keysAt(e.refColumns);
    if (!keys.length) continue;
    const others = bindTenant(othersOf(scope, e.from), tenantId, d.param);
    const m = keysIn(d, scope.schema.get(e.from)!, e.columns, keys, others.params.length + 1);
    const hits = await s.query(
      `SELECT ${e.columns.map(d.quote).join(', ')} FROM ${d.from(e.from)} WHERE ${others.sql} AND ${m.sql}`,
      [...others.params, ...m.params],
    );
    for (const h of hits) found.push(describe(e.from, e.columns, h, e.refColumns));
  }
  for (const fk of info.externalReferrers ?? []) {
    const keys = keysAt(fk.refColumns);
    if (!keys.length) continue;
    const as: TableInfo = {
      ...info,
      columns: fk.columns.map((c, i) => ({ ...columnOf(info, fk.refColumns[i]!), name: c })),
    };
    const m = keysIn(d, as, fk.columns, keys, 1);
    const hits = await s.query(
      `SELECT ${fk.columns.map(d.quote).join(', ')} FROM ${d.fromOther(fk.schema, fk.table)} WHERE ${m.sql}`,
      m.params,
    );
    for (const h of hits) found.push(describe(`${fk.schema}.${fk.table}`, fk.columns, h, fk.refColumns));
  }
  return found;
}

/**
 * The distinct non-null values at `refColumns` of the rows `target`'s plan deletes or re-keys there, 500 at a
 * time: what a reference into `target` through those columns may point at. None when a column is not archived.
 */
function* removedKeys(target: TablePlan, refColumns: readonly string[]): Iterable<CanonicalValue[][]> {
  if (!target.delete && !target.update) return;
  const idx = refColumns.map((c) => target.columns.indexOf(c));
  if (idx.some((i) => i < 0)) return;
  for (const rows of replacedRows(target, idx, 500)) {
    const keys = uniqueKeys(rows.map((r) => idx.map((i) => r[i]!)));
    if (keys.length) yield keys;
  }
}

function uniqueKeys(keys: CanonicalValue[][]): CanonicalValue[][] {
  const seen = new Map<string, CanonicalValue[]>();
  for (const k of keys) if (k.every((v) => v !== null)) seen.set(JSON.stringify(k), k);
  return [...seen.values()];
}

/**
 * Triggers on the tables the plan writes to. Skipped where the role may skip them (said in the notes); otherwise
 * the restore is refused before writing unless the config lets them fire (the verification still catches any row
 * they change).
 */
export async function checkTriggers(
  s: DbSession,
  scope: TenantScope,
  plan: RestorePlan,
  config: BackupConfig,
  dryRun: boolean,
): Promise<void> {
  const written = plan.tables.filter((t) => t.insert || t.update || t.delete);
  const triggers = written.flatMap((t) => scope.schema.get(t.table)!.triggers);
  if (!triggers.length) return;
  const names = triggers.map((t) => `${t.table}.${t.name}`).join(', ');
  if (config.triggers === 'fire') {
    plan.notes.push(`triggers fire during the restore (config triggers: fire): ${names}`);
    return;
  }
  // Skipping is a setting of this transaction only, so a dry run may ask too; it writes nothing.
  const skipped = await scope.dialect.skipTriggers(s);
  const firing = skipped ? triggers.filter((t) => t.always) : triggers;
  if (!firing.length) {
    plan.notes.push(`triggers skipped for this restore: ${names}`);
    return;
  }
  const list = firing.map((t) => `${t.table}.${t.name}`).join(', ');
  if (dryRun) {
    plan.notes.push(`the restore will refuse: triggers this role cannot skip (${list}); see "triggers: fire"`);
    return;
  }
  throw new TenantopsError(
    'TENANTOPS_E_TRIGGERS',
    `the restore would fire triggers this role cannot skip: ${list}; set "triggers: fire" in the config to let them run (the verification still rejects any row they change), or exclude the tables they write to; nothing was written`,
  );
}

/**
 * A restore is one transaction, rolled back whole on any failure up to COMMIT (a failed check, a lost connection,
 * a kill). MariaDB's MyISAM, Aria and MEMORY tables are not part of it: their writes stay, so a restore that then
 * failed left those tables restored and the rest as before, while saying nothing changed (and a bulk load into
 * Aria failed outright: "doesn't support SAVEPOINT"). Refused before any write when the plan writes to one;
 * such tables the plan leaves alone do not stop it.
 */
export function checkTransactional(scope: TenantScope, plan: RestorePlan, dryRun: boolean): void {
  const tables = plan.tables
    .filter((t) => t.insert || t.update || t.delete)
    .flatMap((t) => {
      const engine = scope.schema.get(t.table)?.nonTransactional;
      return engine ? [`${t.table} (${engine})`] : [];
    });
  if (!tables.length) return;
  const list = tables.join(', ');
  if (dryRun) {
    plan.notes.push(`the restore will refuse: tables without transactions would be written (${list})`);
    return;
  }
  throw new TenantopsError(
    'TENANTOPS_E_NOT_TRANSACTIONAL',
    `the restore would write to tables whose storage engine has no transactions: ${list}; a failed restore could not roll them back. Convert them (ALTER TABLE … ENGINE=InnoDB) and restore again; nothing was written`,
  );
}

/**
 * The keys no row of `table` matches, asked of the server: a foreign key matches under the column's collation, so
 * a child's 'shared' references a parent's 'Shared' in a case-insensitive column (and 'a ' references 'a' under
 * PAD SPACE). Compared as text in JavaScript such a parent was reported missing, and a restore, even of an
 * unchanged tenant, refused (TENANTOPS_E_MISSING_PARENTS, until 2026-12-08). Only keys the returned text did not
 * match come here: one query for them all, then one per key where some of them are there.
 */
async function notFound(
  s: DbSession,
  scope: TenantScope,
  table: string,
  columns: readonly string[],
  keys: readonly (readonly CanonicalValue[])[],
): Promise<(readonly CanonicalValue[])[]> {
  const d = scope.dialect;
  const info = scope.schema.get(table)!;
  const any = async (ks: readonly (readonly CanonicalValue[])[]) => {
    const m = keysIn(d, info, columns, ks, 1);
    return (await s.query(`SELECT 1 AS x FROM ${d.from(table)} WHERE ${m.sql} LIMIT 1`, m.params)).length > 0;
  };
  if (!keys.length || !(await any(keys))) return [...keys];
  const out: (readonly CanonicalValue[])[] = [];
  for (const k of keys) if (!(await any([k]))) out.push(k);
  return out;
}

/** Without --include-parents, every shared row the restored rows reference must already exist in the target. */
export async function checkSharedParents(s: DbSession, scope: TenantScope, manifest: Manifest): Promise<void> {
  const d = scope.dialect;
  const missing: string[] = [];
  for (const ref of manifest.external) {
    if (manifest.tables.some((t) => t.role === 'parent' && t.name === ref.to)) continue;
    for (let i = 0; i < ref.keys.length; i += 500) {
      const keys = ref.keys.slice(i, i + 500);
      const m = keysIn(d, scope.schema.get(ref.to)!, ref.refColumns, keys, 1);
      const rows = await s.query(
        `SELECT ${ref.refColumns.map(d.quote).join(', ')} FROM ${d.from(ref.to)} WHERE ${m.sql}`,
        m.params,
      );
      const have = new Set(rows.map((r) => JSON.stringify(ref.refColumns.map((c) => String(r[c])))));
      const unmatched = keys.filter((k) => !have.has(JSON.stringify(k)));
      for (const k of await notFound(s, scope, ref.to, ref.refColumns, unmatched))
        missing.push(
          `${ref.to}(${ref.refColumns.join(',')})=(${k.join(',')}) referenced by ${ref.from}.${ref.columns.join(',')}`,
        );
    }
  }
  if (missing.length) {
    throw new TenantopsError(
      'TENANTOPS_E_MISSING_PARENTS',
      `${missing.length} shared rows the tenant references are missing in the target; back up with --include-parents`,
      { details: missing.slice(0, MAX_REPORTED) },
    );
  }
}

export type { Edge };
