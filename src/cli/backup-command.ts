import { statSync } from 'node:fs';
import { archiveLocation, backupKeyFrom, backupTenant, fileSafeTenant } from '../backup/index.ts';
import { TenantopsError } from '../errors/index.ts';
import { defineCommand } from './command.ts';

import { backupConfig, backupDbOptions, backupTarget, openBackupDb } from './backup-context.ts';
import { jsonOption, keyFileOption, verboseOption } from './common-options.ts';
import { guardInterrupts, removedFiles } from './interrupts.ts';
import { progressReporter } from './progress.ts';
import { runBackupAll } from './run-backup-all.ts';
import { shownTenant } from './shown-tenant.ts';

export const backupCommand = defineCommand({
  name: 'backup',
  section: 'Backup and restore',
  summary: "Write one tenant's rows to a verified archive (one consistent snapshot)",
  usage:
    'backup --db URL --tenant ID [--config F] [--out FILE] [--encrypt] [--include-parents] [--json] [--verbose]\n' +
    '       backup --db URL --all-tenants --out-dir DIR|s3://BUCKET/PREFIX [--parallel N] [--metrics-file F] [--encrypt] [--json]',
  options: {
    ...backupDbOptions,
    tenant: { type: 'string', value: 'ID', description: 'the tenant id (required unless --all-tenants)' },
    out: {
      type: 'string',
      value: 'FILE',
      description: 'archive path or s3://bucket/prefix/name (default tenant-<ID>-<timestamp>.tnt)',
    },
    'all-tenants': {
      type: 'boolean',
      description: 'every tenant of the tenant table, one verified archive each, into --out-dir',
    },
    'out-dir': {
      type: 'string',
      value: 'DIR',
      description: 'with --all-tenants: where tenant-<ID>-<YYYYMMDDTHHMMSSZ>.tnt and the run index go',
    },
    parallel: { type: 'string', value: 'N', description: 'with --all-tenants: tenants backed up at once (default 1)' },
    'resume-within': {
      type: 'string',
      value: 'HOURS',
      description:
        'continue the last run in --out-dir if unfinished or failed and younger than this (default 20; 0: never)',
    },
    'metrics-file': {
      type: 'string',
      value: 'FILE',
      description: 'with --all-tenants: write node-exporter textfile metrics here (atomically)',
    },
    encrypt: { type: 'boolean', description: 'AES-256-GCM; key from TENANTOPS_BACKUP_KEY or --key-file' },
    ...keyFileOption,
    'include-parents': { type: 'boolean', description: 'also copy shared rows the tenant references' },
    ...jsonOption,
    ...verboseOption,
  },
  async run({ values }, io) {
    const all = !!values['all-tenants'];
    if (all && (values.tenant !== undefined || values.out))
      throw new TenantopsError('TENANTOPS_E_USAGE', '--all-tenants conflicts with --tenant and --out; use --out-dir');
    if (!all)
      for (const flag of ['out-dir', 'parallel', 'resume-within', 'metrics-file'] as const)
        if (values[flag] !== undefined)
          throw new TenantopsError('TENANTOPS_E_USAGE', `--${flag} only goes with --all-tenants`);
    const passphrase = values.encrypt ? backupKeyFrom(io.env, values['key-file']) : undefined;
    if (values.encrypt && !passphrase)
      throw new TenantopsError('TENANTOPS_E_ARCHIVE_KEY', '--encrypt needs TENANTOPS_BACKUP_KEY or --key-file');
    if (all) return runBackupAll(values, io, passphrase);
    const tenantId = values.tenant;
    // `--tenant ''` is a tenant id (a text key may be empty), not a missing option.
    if (tenantId === undefined)
      throw new TenantopsError('TENANTOPS_E_USAGE', '--tenant is required (or --all-tenants)');
    const config = backupConfig(values, io);
    const target = backupTarget(values, io, config);
    const out =
      values.out ?? `tenant-${fileSafeTenant(tenantId)}-${new Date().toISOString().replace(/[:.]/g, '-')}.tnt`;
    const at = archiveLocation(out, io.cwd, io.env);
    // The backup reads on two connections in one snapshot (BackupOptions.readers); MariaDB opens them with a third.
    const db = await openBackupDb(target, values, 3);
    const bar = progressReporter(io.stderr, 'backup');
    const unguard = guardInterrupts(io, 'backup', (removed) =>
      [removedFiles(removed), 'the database is unchanged (a backup only reads)', 'run the same command again']
        .filter(Boolean)
        .join('; '),
    );
    try {
      const r = await backupTenant(db, {
        tenantId,
        config,
        // A local path keeps the writer's own .partial handling; an object is an upload completed on commit.
        out: at.remote ? at.sink() : at.address,
        passphrase,
        includeParents: !!values['include-parents'],
        onProgress: (done, total) => bar.update({ phase: '', done, total, unit: 'rows' }),
      });
      bar.done();
      for (const n of r.notes) io.stderr.write(`warning: ${n}\n`);
      const rows = r.manifest.tables.reduce((a, t) => a + t.rows, 0);
      const size = at.remote
        ? ((await at.remote.store.list()).find((o) => o.name === at.remote!.name)?.bytes ?? 0)
        : statSync(r.path).size;
      if (values.json) {
        io.stdout.write(
          JSON.stringify({
            path: r.path,
            tenant: tenantId,
            rows,
            bytes: size,
            seconds: r.seconds,
            notes: r.notes,
            tables: r.manifest.tables.map((t) => ({ table: t.name, role: t.role, rows: t.rows, sha256: t.sha256 })),
          }) + '\n',
        );
      } else if (values.verbose) {
        for (const t of r.manifest.tables)
          io.stdout.write(
            `${t.name.padEnd(36)} ${String(t.rows).padStart(8)} rows  ${t.role === 'parent' ? '(shared parent rows)' : t.how}\n`,
          );
      }
      // The archive as the operator named it (a relative path stays relative, an object its s3:// address).
      if (!values.json) {
        const tables = r.manifest.tables.filter((t) => t.rows > 0).length;
        io.stdout.write(
          `backed up tenant ${shownTenant(tenantId)}: ${rows} rows from ${tables} tables in ${r.seconds.toFixed(2)} s -> ${out} (${size} bytes${passphrase ? ', encrypted' : ''})\n`,
        );
      }
      return 0;
    } finally {
      unguard();
      await db.close();
    }
  },
});
