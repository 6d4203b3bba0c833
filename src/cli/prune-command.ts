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
  // Each deletion is reported as it happens, and one that fails (a bucket policy without s3:DeleteObject on some
  // keys, a network error) stops none of the others (house rule 6): the first failure ended the prune with only
  // its error, so the archives deleted before it were never named and the rest never tried.
  const failed: { file: string; error: TenantopsError }[] = [];
  if (doIt)
    for (const d of plan.delete) {
      try {
        await dir.delete(d.archive.file);
      } catch (e) {
        if (!(e instanceof TenantopsError)) throw e;
        failed.push({ file: d.archive.file, error: e });
        io.stderr.write(`${d.archive.file}: ${e.message} [${e.code}]\n`);
        continue;
      }
      if (!values.json) io.stdout.write(`deleted       ${d.archive.file}\n`);
    }
  const deleted = plan.delete.filter((d) => !failed.some((f) => f.file === d.archive.file));
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
  const bytes = (doIt ? deleted : plan.delete).reduce((n, d) => n + d.archive.bytes, 0);
  if (values.json) {
    io.stdout.write(
      JSON.stringify({
        deleted: doIt,
        delete: (doIt ? deleted : plan.delete).map((d) => ({
          file: d.archive.file,
          tenant: d.archive.tenant,
          takenAt: d.archive.takenAt,
        })),
        keep: plan.keep.map((d) => ({ file: d.archive.file, tenant: d.archive.tenant, reasons: d.reasons })),
        damaged: plan.damaged.map((a) => ({ file: a.file, tenant: a.tenant, problem: a.problem })),
        failed: failed.map((f) => ({ file: f.file, code: f.error.code, message: f.error.message })),
        bytes,
        indexesRemoved,
      }) + '\n',
    );
    return failedDeletes(failed, plan.delete.length);
  }
  if (!doIt) for (const d of plan.delete) io.stdout.write(`would delete  ${d.archive.file}\n`);
  for (const d of plan.keep) io.stdout.write(`keep          ${d.archive.file}  (${d.reasons.join(', ')})\n`);
  for (const a of plan.damaged) io.stdout.write(`damaged       ${a.file}  (${a.problem}; not counted, not deleted)\n`);
  io.stdout.write(
    `${doIt ? 'deleted' : 'would delete'} ${doIt ? deleted.length : plan.delete.length} archives (${(bytes / 1e6).toFixed(1)} MB), kept ${plan.keep.length}` +
      `${plan.damaged.length ? `, ${plan.damaged.length} damaged left as they are` : ''}` +
      `${doIt ? '' : '; nothing deleted: pass --yes to delete'}\n`,
  );
  return failedDeletes(failed, plan.delete.length);
}

/** 0, or the failed deletions (each already reported on stderr) as one error with the first one's code. */
function failedDeletes(failed: { file: string; error: TenantopsError }[], of: number): number {
  if (!failed.length) return 0;
  throw new TenantopsError(
    failed[0]!.error.code,
    `could not delete ${failed.length} of ${of} archives (listed above); the others are deleted; ` +
      'fix the cause and run the same prune again',
    { cause: failed[0]!.error },
  );
}
