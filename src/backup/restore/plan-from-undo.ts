import { createHash } from 'node:crypto';
import type { DbSession } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import { parseRow, type CanonicalValue } from '../archive/canonical-row.ts';
import type { ManifestTable } from '../archive/manifest.ts';
import { canonicalLines, queryLines, scopedSelect, selectList, type RowOrder } from '../dump-table.ts';
import { bindTenant } from '../scope/scope-plan.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { ArchiveLines, chunked, type ArchiveSource } from './archive-lines.ts';
import { keyMatch } from './key-match.ts';
import { rowKey, type RowKeySpec } from './row-order.ts';
import { digestKindOf } from '../digest-kind.ts';
import {
  closePlan,
  newTablePlan,
  UPDATE_SEP,
  type PlanOptions,
  type RestorePlan,
  type TablePlan,
} from './restore-plan.ts';

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
  for (const l of await queryLines(s, q, tp.columns)) {
    const k = JSON.stringify(rowKey(parseRow(l), tp.spec));
    const list = out.get(k);
    if (list) list.push(l);
    else out.set(k, [l]);
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
  const lines = new ArchiveLines(src, opts.onRows);
  const putColumns = new Map(manifest.tables.filter((t) => t.role === 'undo-put').map((t) => [t.name, t.columns]));
  try {
    const tables = scope.plan.entries.filter((e) => before[e.table]);
    const byName = new Map<string, { tp: TablePlan; predicate: string }>();
    for (const e of tables) {
      const info = scope.schema.get(e.table)!;
      const digest = before[e.table]!;
      const columns = digest.columns ?? putColumns.get(e.table) ?? [];
      // A table the restore skipped by its server digest without reading it (--from-db) has no SHA-256: only a
      // server that computes digests alike can check it, so any other refuses before a write.
      if (!digest.sha256 && !(opts.digests && digest.serverDigest && digestKindOf(digest.serverDigest, d)))
        throw new TenantopsError(
          'TENANTOPS_E_SCHEMA_MISMATCH',
          `the safety backup records ${e.table} by the server digest of ${manifest.engine} ${manifest.serverVersion} only; restore it on that server version`,
        );
      const { rows, sha256, serverDigest } = digest;
      const tp = newTablePlan(
        { name: e.table, role: 'scope', columns, rows, sha256, serverDigest } as ManifestTable,
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
    // Then the safety backup's rows, in archive order (one pass): what to put back, then what to remove. A key
    // in both (a row the restore deleted and inserted again) is put back by the update, not removed.
    const putKeys = new Map<string, Set<string>>();
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
            if (!tp.spec.wholeRow && putKeys.get(t.name)?.has(JSON.stringify(k))) continue;
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
            const key = JSON.stringify(rowKey(r, tp.spec));
            if (!tp.spec.wholeRow) {
              const set = putKeys.get(t.name) ?? new Set<string>();
              putKeys.set(t.name, set.add(key));
            }
            const cur = found.get(key)?.shift();
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
    closePlan(plan);
    throw err;
  }
  return plan;
}
