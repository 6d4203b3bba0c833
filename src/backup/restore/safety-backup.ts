import { parseRow } from '../archive/canonical-row.ts';
import {
  fingerprint,
  manifestHead,
  type Manifest,
  type TableData,
  type TableDigest,
  type TableHead,
} from '../archive/manifest.ts';
import { writeArchive } from '../archive/write-archive.ts';
import { safeName } from '../backup-tenant.ts';
import { TableChunks } from '../archive/table-chunks.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { rowKey } from './row-order.ts';
import { UPDATE_SEP, type RestorePlan } from './restore-plan.ts';

export interface SafetyBackupContext {
  path: string;
  passphrase?: string;
  engine: string;
  serverVersion: string;
  database: string;
  config: Manifest['config'];
  order: 'exact' | 'native';
}

/**
 * The inverse of a plan, as an archive a restore takes like any other: for every table it changes, the rows it
 * deletes or rewrites as they are now ('undo-put') and the identities of the rows it adds ('undo-remove'), plus
 * every in-scope table's digest now, which restoring the safety backup must give back. Its size follows the
 * change, not the tenant. Written inside the restore's transaction, before the first write.
 */
export async function writeSafetyBackup(
  ctx: SafetyBackupContext,
  scope: TenantScope,
  plan: RestorePlan,
  /** Rows written to it so far, batch by batch (the plan's inserts, updates and deletes). */
  onRows?: (n: number) => void,
): Promise<void> {
  const tables: TableHead[] = [];
  const before: Record<string, TableDigest> = {};
  const changed = plan.tables.filter((t) => t.role === 'scope' && (t.insert || t.update || t.delete));
  for (const t of plan.tables) if (t.role === 'scope') before[t.table] = { ...t.before, columns: t.columns };
  // Known before a row is written: the head (format 3) goes first.
  for (const t of changed) {
    const info = scope.schema.get(t.table)!;
    tables.push({
      index: tables.length,
      name: t.table,
      role: 'undo-put',
      how: 'safety',
      detail: 'rows the restore deleted or rewrote, as they were',
      columns: t.columns,
      fingerprint: fingerprint(info, t.columns),
      rows: t.delete + t.update,
    });
    tables.push({
      index: tables.length,
      name: t.table,
      role: 'undo-remove',
      how: 'safety',
      detail: 'identities of the rows the restore added',
      columns: t.spec.columns,
      fingerprint: fingerprint(info, t.spec.columns),
      rows: t.insert,
    });
  }
  const head = manifestHead(
    {
      engine: ctx.engine,
      serverVersion: ctx.serverVersion,
      database: ctx.database,
      tenantId: plan.tenantId,
      encrypted: !!ctx.passphrase,
      config: ctx.config,
    },
    scope.plan,
  );
  await writeArchive(
    ctx.path,
    ctx.passphrase,
    { ...head, kind: 'undo', order: ctx.order, includeParents: false, tables, external: [], before },
    async (writer) => {
      const data: TableData[] = [];
      for (const t of changed) {
        const put = new TableChunks(writer, `tables/${safeName(data.length, t.table)}`);
        for (const b of t.deletes.batches()) {
          await put.addLines(b);
          onRows?.(b.length);
        }
        for (const b of t.updates.batches()) {
          await put.addLines(b.map((l) => l.slice(l.indexOf(UPDATE_SEP) + 1)));
          onRows?.(b.length);
        }
        data.push(await put.finish());
        const remove = new TableChunks(writer, `tables/${safeName(data.length, t.table)}`);
        for (const b of t.inserts.batches()) {
          await remove.addLines(b.map((l) => JSON.stringify(rowKey(parseRow(l), t.spec))));
          onRows?.(b.length);
        }
        data.push(await remove.finish());
      }
      return data;
    },
  );
}
