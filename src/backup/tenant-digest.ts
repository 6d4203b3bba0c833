import type { Db } from '../db/index.ts';
import type { BackupConfig } from './config/backup-config.ts';
import { dataColumns } from './archive/manifest.ts';
import { digestRows, selectFrom } from './dump-table.ts';
import { scopedSource } from './scope/scoped-source.ts';
import { tenantScope } from './tenant-scope.ts';

/**
 * Row count and SHA-256 of the canonical row stream of every in-scope table of one tenant: the same digests a
 * backup writes, so "byte-identical to the archive" can be checked at any time. `db` must use values: 'text'.
 */
export async function tenantDigest(
  db: Db,
  config: BackupConfig,
  tenantId: string,
): Promise<Record<string, { rows: number; sha256: string }>> {
  return db.transaction(
    async (s) => {
      const scope = await tenantScope(db, s, config);
      const out: Record<string, { rows: number; sha256: string }> = {};
      for (const e of scope.plan.entries) {
        const info = scope.schema.get(e.table)!;
        const cols = dataColumns(info);
        const r = await digestRows(s, selectFrom(scope.dialect, info, cols, scopedSource(scope, e, tenantId)), cols);
        out[e.table] = { rows: r.rows, sha256: r.sha256 };
      }
      return out;
    },
    { snapshot: true },
  );
}
