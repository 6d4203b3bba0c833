import { rmSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { dirname, join, resolve } from 'node:path';
import { isLocalTarget, parseDbUrl } from '../db/index.ts';
import {
  archiveLocation,
  refuseStdio,
  assertArchiveReadable,
  backupKeyFrom,
  parseS3Url,
  restoreTenant,
  restoreTenantFromDb,
  type RestoreOptions,
  type RestorePlanSummary,
} from '../backup/index.ts';
import { TenantopsError } from '../errors/index.ts';
import { defineCommand } from './command.ts';
import type { CliIo } from './command.ts';
import { backupConfig, backupDbOptions, backupTarget, openBackupDb } from './backup-context.ts';
import { jsonOption, keyFileOption, verboseOption } from './common-options.ts';
import { progressReporter } from './progress.ts';
import { guardInterrupts, removedFiles } from './interrupts.ts';
import { backupDir } from './backup-dir.ts';
import { archiveAt, unusablePick } from './archive-at.ts';
import { shownTenant } from './shown-tenant.ts';

/** The plan as it will run: the tables that change (every table with --verbose), then the totals. */
function printPlan(io: CliIo, s: RestorePlanSummary, verbose: boolean): void {
  const what = s.kind === 'undo' ? 'undo a restore of tenant' : 'restore tenant';
  io.stderr.write(`${what} ${shownTenant(s.tenantId)} into ${s.target}:\n`);
  const changes = (t: RestorePlanSummary['tables'][number]) => !!(t.insert || t.update || t.delete || t.shared);
  const changed = s.tables.filter(changes);
  const shown = verbose ? s.tables : changed;
  const n = (v: number, w: number) => String(v).padStart(w);
  if (shown.length) {
    io.stderr.write(
      `  ${'table'.padEnd(34)} ${'current'.padStart(8)} ${'archive'.padStart(8)} ${'insert'.padStart(7)} ${'update'.padStart(7)} ${'delete'.padStart(7)}${shown.some((t) => t.shared) ? '  shared' : ''}\n`,
    );
    for (const t of shown)
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

/**
 * Test-only: TENANTOPS_TEST_KILL_AT=<checkpoint>[:SIGNAL] sends this process SIGKILL (or SIGNAL) there, to prove
 * restores are atomic and interrupts leave nothing behind. The pause lets a catchable signal's handler run first.
 */
function testKillAt(spec: string | undefined): ((name: string) => Promise<void>) | undefined {
  if (!spec) return undefined;
  const [point, signal = 'SIGKILL'] = spec.split(':');
  return async (name) => {
    if (name !== point) return;
    process.kill(process.pid, signal as NodeJS.Signals);
    await new Promise((r) => setTimeout(r, 5000));
  };
}

/** Whether `dir`, or a directory above it, is a file: then no directory can be made there. */
function fileInTheWay(dir: string): boolean {
  try {
    return statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOTDIR';
  }
}

async function askYes(io: CliIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  // On a terminal readline takes Ctrl+C and Ctrl+D itself and rejects the question ('Aborted with Ctrl+C',
  // reported as an internal error, exit 1). Ctrl+C is the interrupt it means: raised as SIGINT, the restore's
  // interrupt guard says what is left and exits 130. Ctrl+D, the end of the answer, is a no.
  rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ABORT_ERR') return false;
    throw e;
  } finally {
    rl.close();
  }
}

export const restoreCommand = defineCommand({
  name: 'restore',
  section: 'Backup and restore',
  summary: "Replace one tenant's rows with an archive's: atomic, verified, other tenants untouched",
  usage:
    'restore --db URL --in FILE [--tenant ID] [--config F] [--dry-run] [--yes] [--json] [--verbose]\n' +
    '       restore --db URL --from-dir DIR|s3://BUCKET/PREFIX --tenant ID [--at TIME] [--dry-run] [--yes]\n' +
    '       restore --db URL --from-db SOURCE_URL --tenant ID [--dry-run] [--yes]',
  options: {
    ...backupDbOptions,
    in: { type: 'string', value: 'FILE', description: 'the archive to restore (a path or s3://bucket/prefix/name)' },
    'from-dir': {
      type: 'string',
      value: 'DIR',
      description: 'restore the newest archive of --tenant in DIR (or s3://bucket/prefix) taken at or before --at',
    },
    at: {
      type: 'string',
      value: 'TIME',
      description: 'with --from-dir: ISO 8601 time (no offset: UTC; default now)',
    },
    'from-db': {
      type: 'string',
      value: 'URL',
      description: 'copy --tenant from this database (or env:VAR to read the URL from $VAR)',
    },
    tenant: {
      type: 'string',
      value: 'ID',
      description: 'the tenant (required with --from-dir/--from-db; with --in, refuse another)',
    },
    'dry-run': { type: 'boolean', description: 'print rows to insert/update/delete and collisions; change nothing' },
    yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation (required without a TTY)' },
    ...keyFileOption,
    'safety-dir': {
      type: 'string',
      value: 'DIR',
      description: 'where the safety backup goes (default: beside the archive)',
    },
    ...jsonOption,
    ...verboseOption,
  },
  async run({ values }, io) {
    const sources = (['in', 'from-dir', 'from-db'] as const).filter((k) => values[k] !== undefined);
    if (sources.length !== 1)
      throw new TenantopsError('TENANTOPS_E_USAGE', 'give exactly one of --in FILE, --from-dir DIR, --from-db URL');
    if (values.at !== undefined && !values['from-dir'])
      throw new TenantopsError('TENANTOPS_E_USAGE', '--at goes with --from-dir');
    if ((values['from-dir'] || values['from-db']) && values.tenant === undefined)
      throw new TenantopsError('TENANTOPS_E_USAGE', `--${sources[0]} needs --tenant ID`);
    if (values.in !== undefined) refuseStdio(values.in);
    const passphrase = backupKeyFrom(io.env, values['key-file']);
    const fromDir = values['from-dir'] ? await backupDir(values['from-dir'], 'from-dir', io) : null;
    const picked = fromDir ? await archiveAt(fromDir, values.tenant!, values.at, passphrase, io) : null;
    // An archive in a bucket is read through a private temp copy (a restore reads its archive more than once),
    // so its safety backup goes to ./safety rather than beside that copy.
    const inRemote = !!values.in && !!parseS3Url(values.in);
    const remote = (!!values['from-dir'] && !!parseS3Url(values['from-dir'])) || inRemote;
    let archive = picked ? picked.path : values.in;
    const config = backupConfig(values, io);
    const target = backupTarget(values, io, config);
    const dryRun = !!values['dry-run'];
    const safetyDir =
      values['safety-dir'] ??
      (archive && !remote ? join(dirname(resolve(io.cwd, archive)), 'safety') : join(io.cwd, 'safety'));
    // Said before the archive is compared, not after the prompt (it was 'EEXIST … mkdir', an internal error).
    if (!dryRun && fileInTheWay(resolve(io.cwd, safetyDir)))
      throw new TenantopsError(
        'TENANTOPS_E_USAGE',
        `the safety backup directory ${safetyDir} cannot be made, a file is in the way: move it, or name another directory with --safety-dir`,
      );
    if (!dryRun && !isLocalTarget(target) && !values.yes) {
      throw new TenantopsError(
        'TENANTOPS_E_CONFIRM',
        `target ${target.redacted} is not local: pass --yes to restore there`,
      );
    }
    const sourceTarget = values['from-db'] ? parseDbUrl(sourceUrl(values['from-db'], io), io.cwd) : null;
    // A missing or unreadable --in file is the first thing to say, before any database is opened.
    if (values.in && !inRemote) await assertArchiveReadable(resolve(io.cwd, values.in));
    const db = await openBackupDb(target, values);
    const source = sourceTarget ? await openBackupDb(sourceTarget, values).catch(closing(db)) : null;
    const verbose = !!values.verbose;
    const bar = progressReporter(io.stderr, 'restore');
    let safety: string | null = null;
    let stage: 'read' | 'write' | 'commit' | 'done' = 'read';
    const unguard = guardInterrupts(io, dryRun ? 'restore --dry-run' : 'restore', (removed) => {
      const files = removedFiles(removed);
      if (stage === 'commit' || stage === 'done') {
        // COMMIT may have reached the server: the safety backup is the way back, so it is always kept.
        const maybe =
          stage === 'commit'
            ? 'COMMIT was under way, so the restore may have been applied'
            : 'the restore was committed';
        return `${maybe}; kept the safety backup ${safety} (restore it to roll back)${files ? `; ${files}` : ''}`;
      }
      if (safety) rmSync(safety, { force: true });
      const gone = [files, safety ? `removed the safety backup ${safety} (it held rows that were not changed)` : '']
        .filter(Boolean)
        .join('; ');
      return `rolled back, the database is unchanged${gone ? `; ${gone}` : ''}; run the same command again`;
    });
    let copy: { path: string; release(): Promise<void> } | null = null;
    try {
      if (fromDir && picked) {
        copy = await fromDir.localCopy(picked.file);
        archive = copy.path;
      } else if (inRemote) {
        // --in s3://bucket/prefix/name: the same private temp copy as --from-dir s3:// makes.
        copy = await archiveLocation(values.in!, io.cwd, io.env).localCopy();
        archive = copy.path;
      }
      const common: Pick<
        RestoreOptions,
        'dryRun' | 'safetyDir' | 'onProgress' | 'onSafetyBackup' | 'onCommit' | 'checkpoint' | 'confirm'
      > = {
        dryRun,
        safetyDir: resolve(io.cwd, safetyDir),
        onProgress: (p) => {
          if (p.phase === 'safety') stage = 'write';
          bar.update(p);
        },
        onSafetyBackup: (path) => (safety = path),
        onCommit: () => (stage = 'commit'),
        checkpoint: testKillAt(io.env.TENANTOPS_TEST_KILL_AT),
        confirm: async (summary) => {
          bar.done();
          printPlan(io, summary, verbose);
          if (values.yes) return;
          if (!io.stdinIsTTY)
            throw new TenantopsError(
              'TENANTOPS_E_CONFIRM',
              "restore replaces the tenant's rows: pass --yes (no TTY to ask on)",
            );
          if (!(await askYes(io, `Replace tenant ${shownTenant(summary.tenantId)} on ${summary.target}? [y/N] `))) {
            throw new TenantopsError('TENANTOPS_E_CONFIRM', 'restore cancelled; nothing was changed');
          }
        },
      };
      const r = source
        ? await restoreTenantFromDb(db, source, {
            ...common,
            tenantId: values.tenant!,
            // The scope is the config's (file or defaults), read on the source and checked on the target.
            config,
            safetyPassphrase: passphrase,
            onSourceRows: (done, total) => bar.update({ phase: 'read source', done, total, unit: 'rows' }),
          })
        : await restoreTenant(db, {
            ...common,
            archive: resolve(io.cwd, archive!),
            passphrase,
            tenantId: values.tenant,
            // An explicit --config overrides the config recorded in the archive.
            config: values.config ? config : undefined,
          }).catch((e: unknown) => {
            // Damage the listing could not see (a flipped byte keeps the size its index recorded) is found as the
            // archive is read: refused as the listing refuses it, naming the archive before it and its --at.
            if (!picked || !(e instanceof TenantopsError) || e.code !== 'TENANTOPS_E_ARCHIVE_CORRUPT') throw e;
            const when = values.at === undefined ? '' : ` taken at or before ${values.at}`;
            throw unusablePick(picked, picked.before, values.tenant!, when, e.message, e);
          });
      stage = 'done';
      bar.done();
      if (values.json) io.stdout.write(JSON.stringify(r) + '\n');
      else if (r.dryRun) {
        printPlan({ ...io, stderr: io.stdout }, r, verbose);
        io.stdout.write('dry run: nothing was changed\n');
      } else {
        const tables = r.tables.filter((t) => t.insert || t.update || t.delete).length;
        io.stdout.write(
          `restored tenant ${shownTenant(r.tenantId)}: ${r.written} rows written in ${tables} tables in ${r.seconds.toFixed(2)} s, verified before commit\n`,
        );
        io.stdout.write(`safety backup of the previous rows: ${r.safetyBackup}  (restore it to roll back)\n`);
      }
      return 0;
    } catch (e) {
      // The restore may be in the database: its safety backup is then the only way back, so it is named.
      if (e instanceof TenantopsError && e.code === 'TENANTOPS_E_COMMIT_UNKNOWN' && safety)
        throw new TenantopsError(e.code, e.message, {
          cause: e,
          details: [...e.details, `safety backup of the rows before this restore (kept): ${safety}`],
        });
      throw e;
    } finally {
      unguard();
      await copy?.release();
      await source?.close();
      await db.close();
    }
  },
});

/** --from-db URL, or env:VAR to keep a password out of argv (house rule: secrets never on the command line). */
function sourceUrl(raw: string, io: CliIo): string {
  if (!raw.startsWith('env:')) return raw;
  const url = io.env[raw.slice(4)];
  if (!url) throw new TenantopsError('TENANTOPS_E_USAGE', `--from-db ${raw}: $${raw.slice(4)} is not set`);
  return url;
}

/** Closes `db` when opening the second connection fails, and rethrows. */
const closing =
  (db: { close(): Promise<void> }) =>
  async (e: unknown): Promise<never> => {
    await db.close();
    throw e;
  };
