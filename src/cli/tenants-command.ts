import { tenantIds, tenantScope } from '../backup/index.ts';
import { countRows } from '../backup/tenant-report.ts';
import { defineCommand } from './command.ts';

import { backupConfig, backupDbOptions, backupTarget, openBackupDb } from './backup-context.ts';
import { jsonOption } from './common-options.ts';

export const tenantsCommand = defineCommand({
  name: 'tenants',
  section: 'Backup and restore',
  summary: 'List the tenants with their row counts and approximate size',
  usage: 'tenants --db URL [--config F] [--json]',
  options: { ...backupDbOptions, ...jsonOption },
  async run({ values }, io) {
    const config = backupConfig(values, io);
    const db = await openBackupDb(backupTarget(values, io, config), values);
    try {
      const scope = await tenantScope(db, db, config);
      const d = scope.dialect;
      const ids = await tenantIds(db, scope);
      const avg = new Map<string, number>();
      for (const e of scope.plan.entries) avg.set(e.table, await d.avgRowBytes(db, e.table));
      const list = [];
      for (const id of ids) {
        let rows = 0;
        let bytes = 0;
        for (const e of scope.plan.entries) {
          const n = await countRows(db, scope, e, id);
          rows += n;
          bytes += n * avg.get(e.table)!;
        }
        list.push({ tenant: id, rows, approxBytes: Math.round(bytes) });
      }
      if (values.json) io.stdout.write(JSON.stringify(list) + '\n');
      else {
        io.stdout.write(`${'tenant'.padEnd(12)} ${'rows'.padStart(10)} ${'~bytes'.padStart(12)}\n`);
        for (const t of list)
          io.stdout.write(
            `${t.tenant.padEnd(12)} ${String(t.rows).padStart(10)} ${String(t.approxBytes).padStart(12)}\n`,
          );
        io.stdout.write(`${list.length} tenants\n`);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
});
