import { createHash } from 'node:crypto';
import type { DbSession } from '../../db/index.ts';
import { canonicalValue, parseRow, type CanonicalValue } from '../archive/canonical-row.ts';
import type { ManifestTable } from '../archive/manifest.ts';
import { BATCH_ROWS, canonicalLines, scopedSelect, selectList, type RowOrder } from '../dump-table.ts';
import { bulkLines, lineStrings, type LineBatch } from '../counted-lines.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { sharedRows } from '../tenant-report.ts';
import { serverDigest } from '../server-digest.ts';
import { scopedSource } from '../scope/scoped-source.ts';
import { digestKindOf, type DigestKind } from '../digest-kind.ts';
import { ArchiveLines, type ArchiveSource } from './archive-lines.ts';
import { keyMatch } from './key-match.ts';
import type { RowSource } from './row-source.ts';
import { compareRows, rowKey, type RowKeySpec } from './row-order.ts';
import {
  closePlan,
  newTablePlan,
  UPDATE_SEP,
  type PlanOptions,
  type RestorePlan,
  type TablePlan,
} from './restore-plan.ts';

/**
 * Merges two streams sorted the same way (the archive's rows and the tenant's current rows) into inserts,
 * updates, deletes and unchanged rows. Memory: one batch of each side. If the JavaScript order ever disagreed
 * with the server's, a row would show as a delete plus an insert, which the apply (deletes first) still gets right.
 */
async function mergeTable(
  archive: AsyncIterable<string>,
  current: AsyncIterable<LineBatch>,
  spec: RowKeySpec,
  plan: TablePlan,
): Promise<void> {
  const cur = current[Symbol.asyncIterator]();
  try {
    await mergeLines(archive, cur, spec, plan);
  } finally {
    // A bulk read left unfinished (the archive failed its check midway) must end before the session runs more.
    await cur.return?.();
  }
}

async function mergeLines(
  archive: AsyncIterable<string>,
  cur: AsyncIterator<LineBatch>,
  spec: RowKeySpec,
  plan: TablePlan,
): Promise<void> {
  const before = createHash('sha256');
  let batch: string[] = [];
  let bi = 0;
  const nextCurrent = async (): Promise<string | null> => {
    while (bi >= batch.length) {
      const r = await cur.next();
      if (r.done) return null;
      // Every line of a batch is merged (the tail of the table is read to its end), so the batch is hashed whole.
      if (Array.isArray(r.value)) {
        batch = r.value;
        if (batch.length) before.update(batch.join('\n') + '\n');
      } else {
        before.update(r.value.bytes);
        batch = lineStrings(r.value.bytes);
      }
      bi = 0;
    }
    plan.current++;
    return batch[bi++]!;
  };
  let c = await nextCurrent();
  // Parsed only when needed: identical lines are the same row, unchanged, which is most rows of most restores.
  let cv: CanonicalValue[] | null = null;
  for await (const a of archive) {
    if (c === null) {
      // Past the tenant's last row (all of a deleted tenant): the rest are inserts, with nothing to parse.
      plan.inserts.push(a);
      plan.insert++;
      continue;
    }
    if (a === c) {
      plan.unchanged++;
      c = await nextCurrent();
      cv = null;
      continue;
    }
    const av = parseRow(a);
    for (;;) {
      if (c !== null && cv === null) cv = parseRow(c);
      const cmp = c === null ? -1 : compareRows(av, cv!, spec);
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
      cv = null;
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

/**
 * The restore plan for a tenant archive: per in-scope table, the rows to insert, update and delete so that the
 * tenant ends exactly equal to the archive. One streaming pass over the archive (its integrity is checked before).
 */
export async function planFromArchive(
  s: DbSession,
  scope: TenantScope,
  src: ArchiveSource,
  opts: PlanOptions,
  /** Where the rows come from when not from `src`'s file: a source database (restore --from-db). */
  rows?: RowSource,
): Promise<RestorePlan> {
  const { manifest } = src;
  const d = scope.dialect;
  const order: RowOrder = manifest.order ?? 'native';
  const entries = new Map(scope.plan.entries.map((e) => [e.table, e]));
  const plan: RestorePlan = { tenantId: opts.tenantId, tables: [], notes: [] };
  const lines: RowSource = rows ?? new ArchiveLines(src, opts.onRows);
  let settled: Promise<boolean> = Promise.resolve(true);
  try {
    let same: ReadonlySet<ManifestTable> = opts.unchanged ?? new Set<ManifestTable>();
    if (!opts.unchanged && opts.digests) ({ same, settled } = await unchangedTables(s, scope, manifest.tables, opts));
    // An archive lists a shared table once per reference into it (backup-tenant.ts, --include-parents): one plan
    // for the table, each of its rows inserted once however many references reach it.
    const parents = new Map<string, { tp: TablePlan; planned: Set<string> }>();
    for (const t of manifest.tables) {
      const info = scope.schema.get(t.name)!;
      if (t.role === 'parent') {
        let p = parents.get(t.name);
        if (!p) {
          p = { tp: newTablePlan(t, scope), planned: new Set() };
          parents.set(t.name, p);
          plan.tables.push(p.tp);
        } else p.tp.archived += t.rows;
        await planParentRows(s, scope, lines.of(t), p.tp, p.planned);
        continue;
      }
      const tp = newTablePlan(t, scope);
      plan.tables.push(tp);
      const e = entries.get(t.name)!;
      if (same.has(t)) {
        // The server says the tenant's rows are the archive's: neither side is read row by row.
        await lines.skip(t);
        tp.current = tp.unchanged = t.rows;
        tp.before = { rows: t.rows, sha256: t.sha256, serverDigest: t.serverDigest };
        tp.comparedBy = 'server-digest';
      } else {
        const q = scopedSelect(d, info, t.columns, e.predicate, opts.tenantId, { order, lock: opts.lock });
        // A large table's rows come through the session's bulk reader, as the backup read them: nothing else runs
        // on the session while the merge reads them.
        const bulk = t.rows > BATCH_ROWS ? bulkLines(s, d, q, t.columns) : null;
        await mergeTable(lines.of(t), bulk ?? canonicalLines(s, q, t.columns), tp.spec, tp);
      }
      tp.shared = await sharedRows(s, scope, e, opts.tenantId);
      if (tp.shared)
        plan.notes.push(
          `${t.name}: ${tp.shared} rows are shared with another tenant (${e.parents.join(', ')}); left untouched`,
        );
    }
    await lines.finish();
  } catch (err) {
    closePlan(plan);
    // The other connection's check is not left running unseen; its outcome no longer matters.
    await settled;
    throw err;
  }
  if (await settled) return plan;
  // A table the other connection summed changed before the restore locked it: planned again, every digest taken
  // under the restore's lock. Rare (a writer committed in that moment), and then exact rather than fast.
  closePlan(plan);
  return planFromArchive(s, scope, src, { ...opts, side: undefined }, rows);
}

/**
 * The in-scope tables whose server digest equals the archive's: every digest is one server-side pass over the
 * tenant's rows of a table, the whole cost of an unchanged restore, so where the caller offers a second
 * connection (PlanOptions.side) two tables are summed at a time. The restore's own session reads with its lock;
 * the other reads what is committed, which is the same while the restore has written nothing. Where reading is
 * what locks rows (the dialect's lockingRead) and some table differs, so the plan will write, the other
 * connection's tables must be as summed under the restore's lock: the restore's session locks them with a locking
 * read that renders nothing, and the other connection sums them again, now that no writer can change them, while
 * the restore's session goes on to merge the tables that differ. `settled` says whether those sums held.
 */
async function unchangedTables(
  s: DbSession,
  scope: TenantScope,
  tables: readonly ManifestTable[],
  opts: PlanOptions,
): Promise<{ same: Set<ManifestTable>; settled: Promise<boolean> }> {
  // Each table's digest is taken with the kind the archive recorded it with; a kind this engine does not compute
  // leaves the table to be compared row by row.
  const kinds = new Map<ManifestTable, DigestKind>();
  for (const t of tables) {
    const kind = t.role === 'scope' && t.serverDigest !== undefined && digestKindOf(t.serverDigest, scope.dialect);
    if (kind) kinds.set(t, kind);
  }
  const todo = [...kinds.keys()];
  const digestOf = (q: DbSession, t: ManifestTable, lock: boolean) =>
    serverDigest(q, scope, t.name, t.columns, opts.tenantId, lock, kinds.get(t));
  const same = new Set<ManifestTable>();
  const elsewhere: ManifestTable[] = [];
  let next = 0;
  const lane = async (q: DbSession, lock: boolean, side: boolean) => {
    while (next < todo.length) {
      const t = todo[next++]!;
      if ((await digestOf(q, t, lock)) !== t.serverDigest) continue;
      same.add(t);
      // Progress moves as each table is settled: the digests are the whole of an unchanged restore's time.
      opts.onRows?.(t.rows);
      if (side) elsewhere.push(t);
    }
  };
  const side = opts.side && todo.length > 1 ? opts.side : undefined;
  await Promise.all([lane(s, opts.lock, false), ...(side ? [side((q) => lane(q, false, true))] : [])]);
  if (!side || same.size === todo.length || !opts.lock || !scope.dialect.lockingRead || !elsewhere.length)
    return { same, settled: Promise.resolve(true) };
  await opts.checkpoint?.('after-digests');
  for (const t of elsewhere) await lockRows(s, scope, t.name, opts.tenantId);
  // A check that fails (its connection lost) is a check not passed: the plan is made again without it.
  const settled = side(async (q) => {
    for (const t of elsewhere) if ((await digestOf(q, t, false)) !== t.serverDigest) return false;
    return true;
  }).catch(() => false);
  return { same, settled };
}

/** Takes the restore's locks on a table's tenant rows (the dialect's lockingRead) without rendering a row. */
async function lockRows(s: DbSession, scope: TenantScope, table: string, tenantId: string): Promise<void> {
  const entry = scope.plan.entries.find((e) => e.table === table)!;
  const b = scopedSource(scope, entry, tenantId, { lock: true });
  await s.query(
    `SELECT COUNT(*) AS n FROM (SELECT 1 AS o FROM ${b.from} WHERE ${b.where}${scope.dialect.lockingRead}) tenantops_l`,
    b.params,
  );
}

/**
 * Shared rows copied by --include-parents: inserted only where the target lacks them, never changed. `planned`:
 * the keys this table's plan inserts already (memory: the shared rows to insert), so a row reached by two
 * references goes in once.
 */
async function planParentRows(
  s: DbSession,
  scope: TenantScope,
  archive: AsyncIterable<string>,
  tp: TablePlan,
  planned: Set<string>,
): Promise<void> {
  const info = scope.schema.get(tp.table)!;
  let chunk: string[] = [];
  const flush = async () => {
    if (!chunk.length) return;
    const rows = chunk.map(parseRow);
    const found = await existingKeys(s, scope, info.name, tp.spec, rows);
    for (const [i, r] of rows.entries()) {
      const key = JSON.stringify(rowKey(r, tp.spec));
      if (found.has(key) || planned.has(key)) tp.unchanged++;
      else {
        planned.add(key);
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
