import { checkTenant, tenantScope } from '../backup/index.ts';
import { bindTenant } from '../backup/scope/scope-plan.ts';
import { countRows, missingIndexes, sharedRows } from '../backup/tenant-report.ts';
import { defineCommand } from './command.ts';

import { backupConfig, backupDbOptions, backupTarget, openBackupDb } from './backup-context.ts';
import { jsonOption } from './common-options.ts';

export const tablesCommand = defineCommand({
  name: 'tables',
  section: 'Backup and restore',
  summary: 'Print the scope plan: which tables hold a tenant, how they are reached, what is left out',
  usage: 'tables --db URL [--tenant ID] [--config F] [--json]',
  options: {
    ...backupDbOptions,
    tenant: { type: 'string', value: 'ID', description: "also count this tenant's rows per table" },
    ...jsonOption,
  },
  async run({ values }, io) {
    const config = backupConfig(values, io);
    const db = await openBackupDb(backupTarget(values, io, config), values);
    try {
      const scope = await tenantScope(db, db, config);
      const tenant = values.tenant;
      // The same refusal as backup: a plan of zero rows for a tenant that does not exist would look fine.
      if (tenant !== undefined) await checkTenant(db, scope, tenant);
      const missing = missingIndexes(scope);
      const rows = [];
      for (const e of scope.plan.entries) {
        rows.push({
          table: e.table,
          how: e.how,
          detail: e.detail,
          rows: tenant ? await countRows(db, scope, e, tenant) : null,
          crossTenantRows: tenant ? await sharedRows(db, scope, e, tenant) : null,
          missingIndex: missing.find((m) => m.table === e.table)?.columns ?? [],
        });
      }
      const shared = [];
      for (const edge of scope.plan.external) {
        let keys: number | null = null;
        if (tenant) {
          const e = scope.plan.entries.find((x) => x.table === edge.from)!;
          const b = bindTenant(e.predicate, tenant, scope.dialect.param);
          const c = scope.dialect.quote(edge.columns[0]!);
          keys = Number(
            (
              await db.query(
                `SELECT COUNT(DISTINCT ${c}) AS n FROM ${scope.dialect.from(edge.from)} WHERE ${b.sql}`,
                b.params,
              )
            )[0]!.n,
          );
        }
        shared.push({
          from: `${edge.from}.${edge.columns.join(',')}`,
          to: `${edge.to}.${edge.refColumns.join(',')}`,
          source: edge.source,
          keys,
        });
      }
      const out = {
        tenant: scope.plan.tenant,
        inScope: rows,
        outOfScope: scope.plan.outOfScope,
        sharedReferences: shared,
        warnings: scope.plan.warnings,
      };
      if (values.json) {
        io.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return 0;
      }
      const w = io.stdout;
      w.write(
        `tenant table ${config.tenant.table}.${config.tenant.key}, tenant column ${config.tenant.column}, preset ${config.preset}\n\n`,
      );
      w.write(`in scope (${rows.length} tables, in dependency order):\n`);
      for (const r of rows) {
        w.write(
          `  ${r.table.padEnd(34)} ${r.rows === null ? '' : String(r.rows).padStart(8) + ' rows  '}${r.how.padEnd(13)} ${r.detail}\n`,
        );
        if (r.missingIndex.length)
          w.write(`      missing index on ${r.missingIndex.join(', ')}: every backup/restore scans this table\n`);
        if (r.crossTenantRows) w.write(`      warning: ${r.crossTenantRows} rows have parents in different tenants\n`);
      }
      w.write(`\nout of scope (${scope.plan.outOfScope.length}):\n`);
      for (const o of scope.plan.outOfScope) w.write(`  ${o.table.padEnd(34)} ${o.reason}\n`);
      w.write(`\nshared rows referenced from the scope (${shared.length}):\n`);
      for (const s of shared)
        w.write(`  ${s.from} -> ${s.to} (${s.source})${s.keys === null ? '' : `: ${s.keys} distinct keys`}\n`);
      for (const x of scope.plan.warnings) w.write(`warning: ${x}\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
});
