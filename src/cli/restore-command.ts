import { createInterface } from 'node:readline/promises';
import { dirname, join, resolve } from 'node:path';
import { isLocalTarget } from '../db/index.ts';
import { backupKeyFrom, restoreTenant, type RestorePlanSummary } from '../backup/index.ts';
import { TenantopsError } from '../errors/index.ts';
import type { CliIo, Command } from './command.ts';
import { backupConfig, backupDbOptions, backupTarget, openBackupDb } from './backup-context.ts';
import { jsonOption } from './common-options.ts';
import { progressReporter } from './progress.ts';

function printPlan(io: CliIo, s: RestorePlanSummary): void {
  const what = s.kind === 'undo' ? 'undo a restore of tenant' : 'restore tenant';
  io.stderr.write(`${what} ${s.tenantId} into ${s.target}:\n`);
  const changed = s.tables.filter((t) => t.insert || t.update || t.delete || t.shared);
  const n = (v: number, w: number) => String(v).padStart(w);
  if (changed.length) {
    io.stderr.write(
      `  ${'table'.padEnd(34)} ${'current'.padStart(8)} ${'archive'.padStart(8)} ${'insert'.padStart(7)} ${'update'.padStart(7)} ${'delete'.padStart(7)}${changed.some((t) => t.shared) ? '  shared' : ''}\n`,
    );
    for (const t of changed)
      io.stderr.write(
        `  ${t.table.padEnd(34)} ${n(t.current, 8)} ${n(t.archived, 8)} ${n(t.insert, 7)} ${n(t.update, 7)} ${n(t.delete, 7)}${t.shared ? n(t.shared, 8) : ''}\n`,
      );
  }
  const sum = (k: 'insert' | 'update' | 'delete') => s.tables.reduce((a, t) => a + t[k], 0);
  io.stderr.write(
    `  ${changed.length} of ${s.tables.length} tables change: ${sum('insert')} inserts, ${sum('update')} updates, ${sum('delete')} deletes\n`,
  );
  for (const note of s.notes) io.stderr.write(`  note: ${note}\n`);
}

async function askYes(io: CliIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export const restoreCommand: Command = {
  name: 'restore',
  section: 'Backup and restore',
  summary: "Replace one tenant's rows with an archive's: atomic, verified, other tenants untouched",
  usage: 'restore --db URL --in FILE [--tenant ID] [--config F] [--dry-run] [--yes] [--json]',
  options: {
    ...backupDbOptions,
    in: { type: 'string', value: 'FILE', description: 'the archive to restore (required)' },
    tenant: { type: 'string', value: 'ID', description: 'refuse unless the archive holds this tenant' },
    'dry-run': { type: 'boolean', description: 'print rows to insert/update/delete and collisions; change nothing' },
    yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation (required without a TTY)' },
    'key-file': { type: 'string', value: 'FILE', description: 'file holding the backup key for encrypted archives' },
    'safety-dir': {
      type: 'string',
      value: 'DIR',
      description: 'where the safety backup goes (default: beside the archive)',
    },
    ...jsonOption,
  },
  async run({ values }, io) {
    const archive = values.in as string | undefined;
    if (!archive) throw new TenantopsError('TENANTOPS_E_USAGE', '--in FILE is required');
    const config = backupConfig(values, io);
    const target = backupTarget(values, io, config);
    const dryRun = !!values['dry-run'];
    if (!dryRun && !isLocalTarget(target) && !values.yes) {
      throw new TenantopsError(
        'TENANTOPS_E_CONFIRM',
        `target ${target.redacted} is not local: pass --yes to restore there`,
      );
    }
    const passphrase = backupKeyFrom(io.env, values['key-file'] as string | undefined);
    const db = await openBackupDb(target);
    const bar = progressReporter(io.stderr, 'restore');
    try {
      const r = await restoreTenant(db, {
        archive: resolve(io.cwd, archive),
        passphrase,
        tenantId: values.tenant as string | undefined,
        // An explicit --config overrides the config recorded in the archive.
        config: values.config ? config : undefined,
        dryRun,
        safetyDir: (values['safety-dir'] as string | undefined) ?? join(dirname(resolve(io.cwd, archive)), 'safety'),
        onProgress: (p) => bar.update(p),
        // Test-only: TENANTOPS_TEST_KILL_AT=<checkpoint> kills this process there, to prove restores are atomic.
        checkpoint: io.env.TENANTOPS_TEST_KILL_AT
          ? async (name) => {
              if (name === io.env.TENANTOPS_TEST_KILL_AT) process.kill(process.pid, 'SIGKILL');
            }
          : undefined,
        confirm: async (summary) => {
          bar.done();
          printPlan(io, summary);
          if (values.yes) return;
          if (!io.stdinIsTTY)
            throw new TenantopsError(
              'TENANTOPS_E_CONFIRM',
              "restore replaces the tenant's rows: pass --yes (no TTY to ask on)",
            );
          if (!(await askYes(io, `Replace tenant ${summary.tenantId} on ${summary.target}? [y/N] `))) {
            throw new TenantopsError('TENANTOPS_E_CONFIRM', 'restore cancelled; nothing was changed');
          }
        },
      });
      bar.done();
      if (values.json) io.stdout.write(JSON.stringify(r) + '\n');
      else if (r.dryRun) {
        printPlan({ ...io, stderr: io.stdout }, r);
        io.stdout.write('dry run: nothing was changed\n');
      } else {
        io.stdout.write(
          `restored tenant ${r.tenantId}: ${r.written} rows written in ${r.seconds.toFixed(2)} s, verified before commit\n`,
        );
        io.stdout.write(`safety backup of the previous rows: ${r.safetyBackup}  (restore it to roll back)\n`);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};
