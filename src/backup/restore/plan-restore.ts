import { createHash } from 'node:crypto';
import type { DbSession } from '../../db/index.ts';
import { readArchiveEntries } from '../archive/archive-reader.ts';
import { canonicalValue, parseRow, type CanonicalValue } from '../archive/canonical-row.ts';
import type { Manifest, ManifestTable } from '../archive/manifest.ts';
import { canonicalLines, scopedSelect, selectList, type RowOrder } from '../dump-table.ts';
import { bindTenant, type ScopeEntry } from '../scope/scope-plan.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { chunkOwner } from '../verify-archive.ts';
import { compareRows, keySpec, rowKey, type RowKeySpec } from './row-order.ts';
import { RowSpool } from './row-spool.ts';
import { UPDATE_SEP, type RestorePlan, type TablePlan } from './restore-plan.ts';
import { keyMatch } from './key-match.ts';

export interface ArchiveSource {
  path: string;
  passphrase?: string;
  manifest: Manifest;
}

export interface PlanOptions {
  tenantId: string;
  /** Lock the tenant's rows while reading them (a real restore; a dry run only reads). */
  lock: boolean;
  onTable?: (table: string, done: number, total: number) => void;
}

const EMPTY_SHA = createHash('sha256').digest('hex');

/** The archive's lines table by table, in archive order; one pass over the file. */
class ArchiveLines {
  private readonly it: AsyncIterator<{ name: string; data: Buffer }>;
  private readonly owners: Map<string, ManifestTable>;
  private pending: { table: ManifestTable; lines: string[] } | null = null;
  private done = false;

  constructor(src: ArchiveSource) {
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
    }
  }

  /** Reads to the end, so gunzip and the decipher see the whole file. */
  async finish(): Promise<void> {
    while (!this.done) {
      this.pending = null;
      await this.fill();
    }
  }
}

function newTablePlan(t: ManifestTable, scope: TenantScope, current = 0): TablePlan {
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
    inserts: new RowSpool(),
    updates: new RowSpool(),
    deletes: new RowSpool(),
    before: { rows: 0, sha256: EMPTY_SHA },
    after: { rows: t.rows, sha256: t.sha256 },
  };
}

/**
 * Merges two streams sorted the same way (the archive's rows and the tenant's current rows) into inserts,
 * updates, deletes and unchanged rows. Memory: one batch of each side. If the JavaScript order ever disagreed
 * with the server's, a row would show as a delete plus an insert, which the apply (deletes first) still gets right.
 */
async function mergeTable(
  archive: AsyncIterable<string>,
  current: AsyncIterable<string[]>,
  spec: RowKeySpec,
  plan: TablePlan,
): Promise<void> {
  const before = createHash('sha256');
  const cur = current[Symbol.asyncIterator]();
  let batch: string[] = [];
  let bi = 0;
  const nextCurrent = async (): Promise<string | null> => {
    while (bi >= batch.length) {
      const r = await cur.next();
      if (r.done) return null;
      batch = r.value;
      bi = 0;
    }
    const line = batch[bi++]!;
    before.update(line + '\n');
    plan.current++;
    return line;
  };
  let c = await nextCurrent();
  let cv: CanonicalValue[] | null = c === null ? null : parseRow(c);
  for await (const a of archive) {
    const av = parseRow(a);
    for (;;) {
      const cmp = cv === null ? -1 : compareRows(av, cv, spec);
      if (cmp < 0) {
        plan.inserts.push(a);
        plan.insert++;
        break;
      }
      if (cmp > 0) {
        plan.deletes.push(c!);
        plan.delete++;
      } else if (a === c) plan.unchanged++;
      else {
        plan.updates.push(a + UPDATE_SEP + c);
        plan.update++;
      }
      c = await nextCurrent();
      cv = c === null ? null : parseRow(c);
      if (cmp === 0) break;
    }
  }
  while (c !== null) {
    plan.deletes.push(c);
    plan.delete++;
    c = await nextCurrent();
  }
  plan.before = { rows: plan.current, sha256: before.digest('hex') };
}

async function countShared(s: DbSession, scope: TenantScope, e: ScopeEntry, tenantId: string): Promise<number> {
  if (!e.reach) return 0;
  const d = scope.dialect;
  const b = bindTenant(`(${e.reach}) AND NOT COALESCE((${e.predicate}), FALSE)`, tenantId, d.param);
  const r = await s.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${d.from(e.table)} WHERE ${b.sql}`,
    b.params,
  );
  return Number(r[0]!.n);
}

/**
 * The restore plan for a tenant archive: per in-scope table, the rows to insert, update and delete so that the
 * tenant ends exactly equal to the archive. One streaming pass over the archive (its integrity is checked before).
 */
export async function planFromArchive(
  s: DbSession,
  scope: TenantScope,
  src: ArchiveSource,
  opts: PlanOptions,
): Promise<RestorePlan> {
  const { manifest } = src;
  const d = scope.dialect;
  const order: RowOrder = manifest.order ?? 'native';
  const entries = new Map(scope.plan.entries.map((e) => [e.table, e]));
  const plan: RestorePlan = { tenantId: opts.tenantId, tables: [], notes: [] };
  const lines = new ArchiveLines(src);
  try {
    for (const [i, t] of manifest.tables.entries()) {
      opts.onTable?.(t.name, i, manifest.tables.length);
      const info = scope.schema.get(t.name)!;
      const tp = newTablePlan(t, scope);
      plan.tables.push(tp);
      if (t.role === 'parent') {
        await planParentRows(s, scope, lines.of(t), tp);
        continue;
      }
      const e = entries.get(t.name)!;
      const q = scopedSelect(d, info, t.columns, e.predicate, opts.tenantId, { order, lock: opts.lock });
      await mergeTable(lines.of(t), canonicalLines(s, q, t.columns), tp.spec, tp);
      tp.shared = await countShared(s, scope, e, opts.tenantId);
      if (tp.shared)
        plan.notes.push(
          `${t.name}: ${tp.shared} rows are shared with another tenant (${e.parents.join(', ')}); left untouched`,
        );
    }
    await lines.finish();
  } catch (err) {
    for (const t of plan.tables) for (const sp of [t.inserts, t.updates, t.deletes]) sp.close();
    throw err;
  }
  return plan;
}

/** Shared rows copied by --include-parents: inserted only where the target lacks them, never changed. */
async function planParentRows(
  s: DbSession,
  scope: TenantScope,
  archive: AsyncIterable<string>,
  tp: TablePlan,
): Promise<void> {
  const info = scope.schema.get(tp.table)!;
  let chunk: string[] = [];
  const flush = async () => {
    if (!chunk.length) return;
    const rows = chunk.map(parseRow);
    const found = await existingKeys(s, scope, info.name, tp.spec, rows);
    for (const [i, r] of rows.entries()) {
      if (found.has(JSON.stringify(rowKey(r, tp.spec)))) tp.unchanged++;
      else {
        tp.inserts.push(chunk[i]!);
        tp.insert++;
      }
    }
    chunk = [];
  };
  for await (const a of archive) {
    chunk.push(a);
    if (chunk.length >= 500) await flush();
  }
  await flush();
  tp.after = { rows: -1, sha256: '' };
}

/** Which of these rows' identities exist in the table (any tenant), as JSON key strings. */
export async function existingKeys(
  s: DbSession,
  scope: TenantScope,
  table: string,
  spec: RowKeySpec,
  rows: readonly (readonly CanonicalValue[])[],
): Promise<Set<string>> {
  const d = scope.dialect;
  const info = scope.schema.get(table)!;
  const m = keyMatch(d, info, spec, rows, 1);
  const found = await s.query(
    `SELECT ${selectList(d, info, spec.columns)} FROM ${d.from(table)} WHERE ${m.sql}`,
    m.params,
  );
  const out = new Set<string>();
  for (const r of found) out.add(JSON.stringify(spec.columns.map((c) => canonicalValue(r[c]))));
  return out;
}

/** Lines of the tenant's current rows that have these identities, keyed by identity. */
async function currentByKey(
  s: DbSession,
  scope: TenantScope,
  tp: TablePlan,
  predicate: string,
  keys: readonly (readonly CanonicalValue[])[],
  keySpecOfRows: RowKeySpec,
  lock: boolean,
  tenantId: string,
): Promise<Map<string, string[]>> {
  const d = scope.dialect;
  const info = scope.schema.get(tp.table)!;
  const b = bindTenant(predicate, tenantId, d.param);
  const m = keyMatch(d, info, keySpecOfRows, keys, b.params.length + 1);
  const q = {
    sql: `SELECT ${selectList(d, info, tp.columns)} FROM ${d.from(tp.table)} WHERE ${b.sql} AND (${m.sql})${lock ? d.lockingRead : ''}`,
    params: [...b.params, ...m.params],
  };
  const out = new Map<string, string[]>();
  for await (const lines of canonicalLines(s, q, tp.columns)) {
    for (const l of lines) {
      const k = JSON.stringify(rowKey(parseRow(l), tp.spec));
      const list = out.get(k);
      if (list) list.push(l);
      else out.set(k, [l]);
    }
  }
  return out;
}

/**
 * The plan that restoring a safety backup executes: remove the rows the restore added, put back the rows it
 * deleted or rewrote; then the whole tenant must match the digests recorded before that restore.
 */
export async function planFromUndo(
  s: DbSession,
  scope: TenantScope,
  src: ArchiveSource,
  opts: PlanOptions,
): Promise<RestorePlan> {
  const { manifest } = src;
  const d = scope.dialect;
  const order: RowOrder = manifest.order ?? 'exact';
  const before = manifest.before ?? {};
  const plan: RestorePlan = { tenantId: opts.tenantId, tables: [], notes: [] };
  const lines = new ArchiveLines(src);
  const putColumns = new Map(manifest.tables.filter((t) => t.role === 'undo-put').map((t) => [t.name, t.columns]));
  try {
    const tables = scope.plan.entries.filter((e) => before[e.table]);
    const byName = new Map<string, { tp: TablePlan; predicate: string }>();
    for (const [i, e] of tables.entries()) {
      opts.onTable?.(e.table, i, tables.length);
      const info = scope.schema.get(e.table)!;
      const digest = before[e.table]!;
      const columns = digest.columns ?? putColumns.get(e.table) ?? [];
      const tp = newTablePlan(
        { name: e.table, role: 'scope', columns, rows: digest.rows, sha256: digest.sha256 } as ManifestTable,
        scope,
      );
      plan.tables.push(tp);
      byName.set(e.table, { tp, predicate: e.predicate });
      // The whole table is read once: its digest now, for the next safety backup.
      const h = createHash('sha256');
      const q = scopedSelect(d, info, columns, e.predicate, opts.tenantId, { order, lock: opts.lock });
      for await (const batch of canonicalLines(s, q, columns))
        for (const l of batch) {
          h.update(l + '\n');
          tp.current++;
        }
      tp.before = { rows: tp.current, sha256: h.digest('hex') };
    }
    // Then the safety backup's rows, in archive order (one pass): what to remove, what to put back.
    for (const t of manifest.tables) {
      const target = byName.get(t.name);
      if (!target) continue;
      const { tp, predicate } = target;
      const lookup = (keys: readonly (readonly CanonicalValue[])[], spec: RowKeySpec) =>
        currentByKey(s, scope, tp, predicate, keys, spec, opts.lock, opts.tenantId);
      if (t.role === 'undo-remove') {
        const keyOnly: RowKeySpec = { ...tp.spec, idx: tp.spec.columns.map((_, j) => j) };
        for await (const batch of chunked(lines.of(t), 500)) {
          const keys = batch.map(parseRow);
          const found = await lookup(keys, keyOnly);
          for (const k of keys) {
            const cur = found.get(JSON.stringify(k))?.shift();
            if (cur === undefined) continue;
            tp.deletes.push(cur);
            tp.delete++;
          }
        }
      } else if (t.role === 'undo-put') {
        for await (const batch of chunked(lines.of(t), 500)) {
          const rows = batch.map(parseRow);
          // Rows of a table without a key were deleted whole; they go back whole.
          const found = tp.spec.wholeRow ? new Map<string, string[]>() : await lookup(rows, tp.spec);
          for (const [j, r] of rows.entries()) {
            const cur = found.get(JSON.stringify(rowKey(r, tp.spec)))?.shift();
            if (cur === undefined) {
              tp.inserts.push(batch[j]!);
              tp.insert++;
            } else if (cur === batch[j]) tp.unchanged++;
            else {
              tp.updates.push(batch[j]! + UPDATE_SEP + cur);
              tp.update++;
            }
          }
        }
      }
    }
    await lines.finish();
  } catch (err) {
    for (const t of plan.tables) for (const sp of [t.inserts, t.updates, t.deletes]) sp.close();
    throw err;
  }
  return plan;
}

async function* chunked(src: AsyncIterable<string>, n: number): AsyncIterable<string[]> {
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
