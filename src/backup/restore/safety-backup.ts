import { parseRow } from '../archive/canonical-row.ts';
import { fingerprint, manifestHead, type Manifest, type ManifestTable, type TableDigest } from '../archive/manifest.ts';
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
): Promise<void> {
  await writeArchive(ctx.path, ctx.passphrase, async (writer) => {
    const tables: ManifestTable[] = [];
    const before: Record<string, TableDigest> = {};
    let index = 0;
    for (const t of plan.tables) {
      if (t.role !== 'scope') continue;
      before[t.table] = { ...t.before, columns: t.columns };
      if (!t.insert && !t.update && !t.delete) continue;
      const info = scope.schema.get(t.table)!;
      const put = new TableChunks(writer, `tables/${safeName(index, t.table)}`);
      for (const b of t.deletes.batches()) for (const l of b) await put.add(l);
      for (const b of t.updates.batches()) for (const l of b) await put.add(l.slice(l.indexOf(UPDATE_SEP) + 1));
      tables.push({
        index: index++,
        name: t.table,
        role: 'undo-put',
        how: 'safety',
        detail: 'rows the restore deleted or rewrote, as they were',
        columns: t.columns,
        fingerprint: fingerprint(info, t.columns),
        ...(await put.finish()),
      });
      const remove = new TableChunks(writer, `tables/${safeName(index, t.table)}`);
      for (const b of t.inserts.batches())
        for (const l of b) await remove.add(JSON.stringify(rowKey(parseRow(l), t.spec)));
      tables.push({
        index: index++,
        name: t.table,
        role: 'undo-remove',
        how: 'safety',
        detail: 'identities of the rows the restore added',
        columns: t.spec.columns,
        fingerprint: fingerprint(info, t.spec.columns),
        ...(await remove.finish()),
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
    return { ...head, kind: 'undo', order: ctx.order, includeParents: false, tables, external: [], before };
  });
}
