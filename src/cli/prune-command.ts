import {
  backupKeyFrom,
  checkedRetentionPlan,
  listArchives,
  runIndexes,
  runIndexName,
  type BackupStore,
  type RetentionRules,
} from '../backup/index.ts';
import { TenantopsError } from '../errors/index.ts';
import { defineCommand, type CliIo } from './command.ts';
import { backupDir } from './backup-dir.ts';
import { jsonOption, keyFileOption } from './common-options.ts';
import { intOption } from './parse-int-option.ts';
import { withRunLock } from './with-run-lock.ts';
import { unreadableIndexWarning } from './unreadable-index-warning.ts';

export const pruneCommand = defineCommand({
  name: 'prune',
  section: 'Backup and restore',
  summary: "Delete old tenant archives by retention rules; never a tenant's newest; only with --yes",
  usage: 'prune --dir DIR [--keep-last N] [--keep-daily D] [--keep-weekly W] [--tenant ID] [--yes] [--json]',
  options: {
    dir: {
      type: 'string',
      value: 'DIR',
      description: 'the directory or s3://bucket/prefix backup --all-tenants writes to (required)',
    },
    'keep-last': { type: 'string', value: 'N', description: 'keep the N newest archives of each tenant' },
    'keep-daily': { type: 'string', value: 'D', description: 'keep the newest of each of the last D days (UTC)' },
    'keep-weekly': { type: 'string', value: 'W', description: 'keep the newest of each of the last W ISO weeks' },
    tenant: { type: 'string', value: 'ID', description: "only this tenant's archives" },
    yes: { type: 'boolean', short: 'y', description: 'delete; without it, only print what would be deleted' },
    ...keyFileOption,
    ...jsonOption,
  },
  async run({ values }, io) {
    const dir = await backupDir(values.dir, 'dir', io);
    if (values['keep-last'] === undefined && values['keep-daily'] === undefined && values['keep-weekly'] === undefined)
      throw new TenantopsError('TENANTOPS_E_USAGE', 'give at least one of --keep-last, --keep-daily, --keep-weekly');
    const rules = {
      keepLast: intOption('keep-last', values['keep-last'], 0),
      keepDaily: intOption('keep-daily', values['keep-daily'], 0),
      keepWeekly: intOption('keep-weekly', values['keep-weekly'], 0),
    };
    // A deleting prune holds the location's run lock: a run going on there could be counting an archive as done
    // (or continuing an index) that this prune is about to delete. A dry run reads only.
    if (!values.yes) return prune(dir, values, rules, io);
    return withRunLock(
      io,
      dir,
      'prune',
      () => 'the archives listed as deleted so far are gone',
      () => prune(dir, values, rules, io),
    );
  },
});

async function prune(
  dir: BackupStore,
  values: { tenant?: string; yes?: boolean; json?: boolean; 'key-file'?: string },
  rules: RetentionRules,
  io: CliIo,
): Promise<number> {
  const list = await listArchives(dir, {
    tenant: values.tenant,
    passphrase: backupKeyFrom(io.env, values['key-file']),
    onUnreadableIndex: unreadableIndexWarning(
      io,
      'its archives are listed from their own manifests; it is not removed',
    ),
  });
  const plan = await checkedRetentionPlan(dir, list, rules);
  const doIt = !!values.yes;
  if (doIt) for (const d of plan.delete) await dir.delete(d.archive.file);
  // A run index none of whose archives is left describes nothing: it goes with its last archive.
  const indexesRemoved: string[] = [];
  if (doIt) {
    const left = new Set((await dir.list()).map((o) => o.name));
    for (const run of await runIndexes(dir, [...left], () => undefined))
      if (!run.tenants.some((t) => t.file && left.has(t.file))) {
        const name = runIndexName(run.runId);
        await dir.delete(name);
        indexesRemoved.push(name);
      }
  }
  const bytes = plan.delete.reduce((n, d) => n + d.archive.bytes, 0);
  if (values.json) {
    io.stdout.write(
      JSON.stringify({
        deleted: doIt,
        delete: plan.delete.map((d) => ({
          file: d.archive.file,
          tenant: d.archive.tenant,
          takenAt: d.archive.takenAt,
        })),
        keep: plan.keep.map((d) => ({ file: d.archive.file, tenant: d.archive.tenant, reasons: d.reasons })),
        damaged: plan.damaged.map((a) => ({ file: a.file, tenant: a.tenant, problem: a.problem })),
        bytes,
        indexesRemoved,
      }) + '\n',
    );
    return 0;
  }
  for (const d of plan.delete) io.stdout.write(`${doIt ? 'deleted' : 'would delete'}  ${d.archive.file}\n`);
  for (const d of plan.keep) io.stdout.write(`keep          ${d.archive.file}  (${d.reasons.join(', ')})\n`);
  for (const a of plan.damaged) io.stdout.write(`damaged       ${a.file}  (${a.problem}; not counted, not deleted)\n`);
  io.stdout.write(
    `${doIt ? 'deleted' : 'would delete'} ${plan.delete.length} archives (${(bytes / 1e6).toFixed(1)} MB), kept ${plan.keep.length}` +
      `${plan.damaged.length ? `, ${plan.damaged.length} damaged left as they are` : ''}` +
      `${doIt ? '' : '; nothing deleted: pass --yes to delete'}\n`,
  );
  return 0;
}
