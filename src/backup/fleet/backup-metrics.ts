import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { errnoText, TenantopsError } from '../../errors/index.ts';
import type { RunIndex } from './run-index.ts';

/** The figures of one `backup --all-tenants` invocation that the metrics file reports. */
export interface BackupRunFigures {
  /** When the invocation ended. */
  finishedAt: Date;
  ok: number;
  failed: number;
  /** Archive bytes written by this invocation. */
  bytes: number;
  seconds: number;
}

/** The figures of the whole run as the index holds it after this invocation (a continued run counts every tenant). */
export function runFigures(index: RunIndex, seconds: number, finishedAt: Date): BackupRunFigures {
  const ok = index.tenants.filter((t) => t.result === 'ok');
  return {
    finishedAt,
    ok: ok.length,
    failed: index.tenants.length - ok.length,
    bytes: ok.reduce((n, t) => n + (t.bytes ?? 0), 0),
    seconds,
  };
}

const LAST_SUCCESS = 'tenantops_backup_last_success_timestamp_seconds';

/** A value an earlier file recorded for a series (its whole name with labels), or null. */
function previousValue(path: string, series: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  const v = line ? Number(line.slice(series.length + 1)) : NaN;
  return Number.isFinite(v) ? v : null;
}

/** The last-success time an earlier file recorded, so a failing run does not make the backups look fresh or unknown. */
function previousSuccess(path: string): number | null {
  return previousValue(path, LAST_SUCCESS);
}

/**
 * The figures of an invocation that failed as a whole (the database unreachable, the shared snapshot lost, a bad
 * configuration in the nightly job): it backed up no tenant, and may not know how many there are. Every tenant the
 * previous file counted is reported failed, at least one, so TenantBackupsFailing fires the night it happens, not
 * TenantBackupsStale a day later; the last success time stays what it was.
 */
export function failedRunFigures(path: string, seconds: number, finishedAt: Date): BackupRunFigures {
  const before =
    (previousValue(path, 'tenantops_backup_tenants{result="ok"}') ?? 0) +
    (previousValue(path, 'tenantops_backup_tenants{result="failed"}') ?? 0);
  return { finishedAt, ok: 0, failed: Math.max(1, before), bytes: 0, seconds };
}

/**
 * The node-exporter textfile (Prometheus text format 0.0.4) for one run. A run succeeds when every tenant is
 * backed up; a run with failures keeps the previous success time, which is what TenantBackupsStale watches.
 */
export function backupMetricsText(f: BackupRunFigures, lastSuccess: number | null): string {
  const ts = (d: Date) => (d.getTime() / 1000).toFixed(3);
  // The kept value is printed as it was written (3 decimals): String() would drop a trailing zero, and a value that
  // changes text without changing is a flaky diff for anyone comparing the file.
  const success = f.failed === 0 ? ts(f.finishedAt) : lastSuccess === null ? null : lastSuccess.toFixed(3);
  const lines = [
    `# HELP ${LAST_SUCCESS} Unix time at which the last backup --all-tenants run ended with every tenant backed up.`,
    `# TYPE ${LAST_SUCCESS} gauge`,
    ...(success === null ? [] : [`${LAST_SUCCESS} ${success}`]),
    '# HELP tenantops_backup_last_run_timestamp_seconds Unix time at which the last backup --all-tenants run ended.',
    '# TYPE tenantops_backup_last_run_timestamp_seconds gauge',
    `tenantops_backup_last_run_timestamp_seconds ${ts(f.finishedAt)}`,
    '# HELP tenantops_backup_tenants Tenants of the last backup --all-tenants run, by result.',
    '# TYPE tenantops_backup_tenants gauge',
    `tenantops_backup_tenants{result="ok"} ${f.ok}`,
    `tenantops_backup_tenants{result="failed"} ${f.failed}`,
    '# HELP tenantops_backup_bytes Bytes of the archives of the last backup --all-tenants run.',
    '# TYPE tenantops_backup_bytes gauge',
    `tenantops_backup_bytes ${f.bytes}`,
    '# HELP tenantops_backup_duration_seconds Wall-clock seconds the last backup --all-tenants invocation took.',
    '# TYPE tenantops_backup_duration_seconds gauge',
    `tenantops_backup_duration_seconds ${f.seconds.toFixed(3)}`,
  ];
  return lines.join('\n') + '\n';
}

/**
 * Writes the metrics file atomically (temp file in the same directory, then rename), as node-exporter's textfile
 * collector requires: it may read the file at any moment.
 */
export function writeBackupMetrics(path: string, f: BackupRunFigures): void {
  const text = backupMetricsText(f, previousSuccess(path));
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new TenantopsError('TENANTOPS_E_IO', `cannot write metrics file ${path}: ${errnoText(e)}`, { cause: e });
  }
}
