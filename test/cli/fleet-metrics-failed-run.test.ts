// [fleet] backup --all-tenants --metrics-file when the run fails as a whole (here: the database unreachable): the
// metrics still say so that night. Until 2026-12-07 no file was written, so only TenantBackupsStale noticed, 26 h
// later. Every tenant the previous file counted is reported failed (at least one), the last success time is kept;
// a run refused because another holds the location leaves the file to that run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

const value = (text: string, series: string) =>
  text
    .split('\n')
    .find((l) => l.startsWith(`${series} `))
    ?.slice(series.length + 1);

test('a run that cannot reach its database reports every tenant failed and keeps the last success', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-metrics-failed-'));
  try {
    const cli = cliIn(dir);
    const prom = join(dir, 'node.prom');
    assert.equal(cli(['db', 'seed', '--tenants', '3', '--rows', '20']).status, 0);
    const good = cli(['backup', '--all-tenants', '--out-dir', 'b', '--metrics-file', 'node.prom']);
    assert.equal(good.status, 0, good.stderr);
    const before = readFileSync(prom, 'utf8');
    assert.equal(value(before, 'tenantops_backup_tenants{result="ok"}'), '3');

    const down = ['--db', 'postgres://nobody@127.0.0.1:1/x', '--connect-timeout', '2'];
    const r = cli(['backup', '--all-tenants', '--out-dir', 'b', '--metrics-file', 'node.prom', ...down]);
    assert.notEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /\[TENANTOPS_E_DB_CONNECT\]/);
    const after = readFileSync(prom, 'utf8');
    assert.equal(value(after, 'tenantops_backup_tenants{result="ok"}'), '0');
    assert.equal(value(after, 'tenantops_backup_tenants{result="failed"}'), '3');
    assert.equal(
      value(after, 'tenantops_backup_last_success_timestamp_seconds'),
      value(before, 'tenantops_backup_last_success_timestamp_seconds'),
    );
    assert.ok(
      Number(value(after, 'tenantops_backup_last_run_timestamp_seconds')) >=
        Number(value(before, 'tenantops_backup_last_run_timestamp_seconds')),
    );

    // No earlier file: at least one failed, and no success time at all.
    const fresh = cli(['backup', '--all-tenants', '--out-dir', 'b', '--metrics-file', 'fresh.prom', ...down]);
    assert.notEqual(fresh.status, 0);
    const text = readFileSync(join(dir, 'fresh.prom'), 'utf8');
    assert.equal(value(text, 'tenantops_backup_tenants{result="failed"}'), '1');
    assert.equal(value(text, 'tenantops_backup_last_success_timestamp_seconds'), undefined);

    // Another live run holds the location: refused, and the metrics are that run's to write.
    const now = new Date().toISOString();
    writeFileSync(
      join(dir, 'b', 'tenantops-run.lock'),
      JSON.stringify({
        format: 'tenantops-run-lock',
        command: 'backup --all-tenants',
        host: hostname(),
        pid: process.pid,
        startedAt: now,
        refreshedAt: now,
        token: 'test',
      }),
    );
    const locked = cli(['backup', '--all-tenants', '--out-dir', 'b', '--metrics-file', 'node.prom']);
    assert.notEqual(locked.status, 0);
    assert.match(locked.stderr, /\[TENANTOPS_E_RUN_LOCKED\]/);
    assert.equal(readFileSync(prom, 'utf8'), after);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
