import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  backupAllTenants,
  failedRunFigures,
  openBackupStore,
  runFigures,
  writeBackupMetrics,
} from '../backup/index.ts';
import { isTenantopsError, TenantopsError } from '../errors/index.ts';
import type { CliIo } from './command.ts';
import { backupConfig, backupTarget, openBackupDb, type DbValues } from './backup-context.ts';
import { removedFiles } from './interrupts.ts';
import { withRunLock } from './with-run-lock.ts';
import { intOption } from './parse-int-option.ts';
import { unreadableIndexWarning } from './unreadable-index-warning.ts';
import { progressReporter } from './progress.ts';
import { shownTenant } from './shown-tenant.ts';

export type BackupAllValues = DbValues & {
  'out-dir'?: string;
  parallel?: string;
  'resume-within'?: string;
  'metrics-file'?: string;
  'include-parents'?: boolean;
  json?: boolean;
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Each tenant in flight holds one or two connections and a transaction on the production server: --parallel 300
 * took all 151 of a default MariaDB's connections (48 tenants failed "Too many connections", and the application
 * could not connect either). 32 (65 connections on PostgreSQL, of its default 100) is far past where a database
 * server's cores stop adding speed.
 */
const MAX_PARALLEL = 32;

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** `backup --all-tenants`: one archive per tenant into --out-dir, a run index, optional metrics; exit 1 if any failed. */
export async function runBackupAll(
  values: BackupAllValues,
  io: CliIo,
  passphrase: string | undefined,
): Promise<number> {
  if (!values['out-dir']) throw new TenantopsError('TENANTOPS_E_USAGE', '--all-tenants needs --out-dir DIR');
  const parallel = intOption('parallel', values.parallel, 1, 1, MAX_PARALLEL);
  const resumeWithin = intOption('resume-within', values['resume-within'], 20, 0);
  // Checked before the run, not after it: a typo in the path would otherwise fail the command once every tenant
  // was backed up, and leave the last-success metric stale.
  const metricsPath = values['metrics-file'] ? resolve(io.cwd, values['metrics-file']) : null;
  if (metricsPath && !isDirectory(dirname(metricsPath)))
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `--metrics-file ${values['metrics-file']}: ${dirname(metricsPath)} is not a directory`,
    );
  // The same for a path that is there but is not a file (a directory): the rename at the end failed with EISDIR,
  // and a run that had backed up every tenant exited 1 without its summary.
  if (metricsPath && existsSync(metricsPath) && !isFile(metricsPath))
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `--metrics-file ${values['metrics-file']}: exists and is not a regular file`,
    );
  // And that it can be written: a node-exporter textfile directory owned by another user (EACCES) or on a read-only
  // mount failed the command only at the end, after every tenant was backed up, without the run's summary.
  if (metricsPath) {
    try {
      // The file is replaced by a rename, which needs the directory, not the file, to be writable.
      accessSync(dirname(metricsPath), constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new TenantopsError(
        'TENANTOPS_E_USAGE',
        `--metrics-file ${values['metrics-file']}: this user cannot write there (${code}); give a writable path or fix the permissions`,
        { cause: e },
      );
    }
  }
  const t0 = performance.now();
  try {
    return await runBackupAllTo(values, io, passphrase, parallel, resumeWithin, metricsPath, t0);
  } catch (e) {
    // A night whose run failed as a whole must show in the metrics that night (failedRunFigures). Not when another
    // run holds the location (that one writes them), nor after failed tenants (already written).
    if (
      metricsPath &&
      !(isTenantopsError(e) && METRICS_WRITTEN_ELSEWHERE.has(e.code)) &&
      !metricsWriteErrors.has(e as Error)
    ) {
      try {
        writeBackupMetrics(metricsPath, failedRunFigures(metricsPath, (performance.now() - t0) / 1000, new Date()));
      } catch (w) {
        io.stderr.write(`warning: ${(w as Error).message}\n`);
      }
    }
    throw e;
  }
}

/**
 * On SIGINT/SIGTERM (a `timeout` around the nightly job, a host shutting down), the metrics say the run did not
 * finish, as for a run that failed as a whole: without them the file kept the night before's success, and only
 * TenantBackupsStale noticed, a day later. Synchronous: the process exits right after. Returns what to tell.
 */
function interruptedMetrics(path: string, t0: number): string {
  try {
    writeBackupMetrics(path, failedRunFigures(path, (performance.now() - t0) / 1000, new Date()));
    return `${path} reports the run as failed`;
  } catch (e) {
    return `warning: ${(e as Error).message}`;
  }
}

/** The run's own metrics write failed: writing the failed-run figures to the same file would fail the same way. */
const metricsWriteErrors = new WeakSet<Error>();

const METRICS_WRITTEN_ELSEWHERE = new Set(['TENANTOPS_E_RUN_LOCKED', 'TENANTOPS_E_TENANTS_FAILED']);

async function runBackupAllTo(
  values: BackupAllValues,
  io: CliIo,
  passphrase: string | undefined,
  parallel: number,
  resumeWithin: number,
  metricsPath: string | null,
  t0: number,
): Promise<number> {
  const store = openBackupStore(values['out-dir']!, io.cwd, io.env);
  const outDir = store.location;
  const config = backupConfig(values, io);
  const target = backupTarget(values, io, config);
  // Two connections per tenant in flight (BackupOptions.readers, where the snapshot is shared), plus the one that
  // holds the shared snapshot open.
  const db = await openBackupDb(target, values, 2 * parallel + 1);
  const interrupted = (removed: string[]) =>
    [
      removedFiles(removed),
      'the database is unchanged (a backup only reads)',
      `the run index in ${outDir} lists the tenants finished so far`,
      metricsPath ? interruptedMetrics(metricsPath, t0) : '',
      'run the same command again to continue (finished tenants are skipped)',
    ]
      .filter(Boolean)
      .join('; ');
  try {
    await store.prepare();
    return await withRunLock(io, store, 'backup --all-tenants', interrupted, async (lock) => {
      const bar = progressReporter(io.stderr, 'backup --all-tenants');
      const r = await backupAllTenants(db, {
        config,
        outDir: store,
        lock,
        passphrase,
        parallel,
        resumeWithinHours: resumeWithin,
        includeParents: !!values['include-parents'],
        onUnreadableIndex: unreadableIndexWarning(io, 'the tenants it lists are not taken as done'),
        onStart: ({ runId, total, skipped, resumed, notes }) => {
          for (const n of notes) io.stderr.write(`warning: ${n}\n`);
          if (resumed)
            io.stderr.write(`continuing run ${runId}: ${skipped} tenants already done are skipped, ${total} to do\n`);
          bar.update({ phase: '', done: 0, total, unit: 'tenants' });
        },
        onTenant: (done, total) => bar.update({ phase: '', done, total, unit: 'tenants' }),
      });
      bar.done();
      if (r.removedStale.length)
        io.stderr.write(
          `removed ${r.removedStale.length} unfinished files of an interrupted run: ${r.removedStale.join(', ')}\n`,
        );
      const failed = r.ran.filter((t) => t.result === 'failed');
      if (values.json) {
        io.stdout.write(
          JSON.stringify({ index: r.indexPath, skipped: r.skipped, gone: r.gone, seconds: r.seconds, run: r.index }) +
            '\n',
        );
      } else {
        const ok = r.ran.filter((t) => t.result === 'ok');
        const rows = ok.reduce((n, t) => n + (t.rows ?? 0), 0);
        const bytes = ok.reduce((n, t) => n + (t.bytes ?? 0), 0);
        io.stdout.write(
          `backed up ${ok.length} tenants (${rows} rows, ${mb(bytes)}) in ${r.seconds.toFixed(1)} s` +
            `${r.skipped ? `, ${r.skipped} already done` : ''}${failed.length ? `, ${failed.length} failed` : ''}` +
            `${r.gone.length ? `, ${r.gone.length} deleted meanwhile` : ''}` +
            ` -> ${outDir} (index ${r.indexPath})\n`,
        );
      }
      for (const t of r.gone)
        io.stderr.write(
          `tenant ${shownTenant(t)}: no longer in the database (deleted during the run); not backed up\n`,
        );
      for (const t of failed)
        io.stderr.write(`tenant ${shownTenant(t.tenant)}: ${t.error?.message} [${t.error?.code}]\n`);
      // After the summary: a metrics file that cannot be written (checked before the run, yet the disk can fill)
      // fails the command, but the operator still learns what was backed up.
      if (metricsPath) {
        try {
          writeBackupMetrics(metricsPath, runFigures(r.index, r.seconds, new Date()));
        } catch (e) {
          metricsWriteErrors.add(e as Error);
          throw e;
        }
      }
      if (failed.length)
        throw new TenantopsError(
          'TENANTOPS_E_TENANTS_FAILED',
          `${failed.length} of ${r.ran.length} tenants failed (listed above); the others are backed up; rerun to retry only the failed ones`,
        );
      return 0;
    });
  } finally {
    await db.close();
  }
}
