// [fleet] backup --all-tenants --metrics-file interrupted by SIGTERM or SIGINT (a `timeout 4h` around the nightly
// job, a host shutting down): the metrics say that night that the run did not finish. Until 2026-12-07 the interrupt
// exited without writing them, so the file still showed the night before's success, and only TenantBackupsStale
// noticed, 26 h later; tenantops_backup_last_run_timestamp_seconds ("the last run ended, whatever its result") was
// stale too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliIn } from '../helpers/cli-in.ts';
import { RUN_LOCK_NAME } from '../../src/backup/index.ts';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

const value = (text: string, series: string) =>
  text
    .split('\n')
    .find((l) => l.startsWith(`${series} `))
    ?.slice(series.length + 1);

/** backup --all-tenants into `out`, sent `signal` once it holds the lock and has written an archive. */
async function interruptedRun(dir: string, out: string, signal: NodeJS.Signals) {
  const args = ['backup', '--all-tenants', '--out-dir', out, '--metrics-file', 'node.prom'];
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const c = join(dir, out);
  for (let i = 0; i < 3000; i++) {
    if (existsSync(join(c, RUN_LOCK_NAME)) && readdirSync(c).some((f) => f.endsWith('.tnt'))) break;
    await sleep(20);
  }
  child.kill(signal);
  return { status: await closed, stderr };
}

test('a run interrupted by SIGTERM or SIGINT reports every tenant failed, keeps the last success, updates the last run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-metrics-interrupted-'));
  try {
    const cli = cliIn(dir);
    const prom = join(dir, 'node.prom');
    assert.equal(cli(['db', 'seed', '--tenants', '12', '--rows', '30']).status, 0);
    const good = cli(['backup', '--all-tenants', '--out-dir', 'b', '--metrics-file', 'node.prom']);
    assert.equal(good.status, 0, good.stderr);
    const first = readFileSync(prom, 'utf8');
    assert.equal(value(first, 'tenantops_backup_tenants{result="ok"}'), '12');

    for (const [signal, out, exit] of [
      ['SIGTERM', 'c', 143],
      ['SIGINT', 'd', 130],
    ] as const) {
      const before = readFileSync(prom, 'utf8');
      const r = await interruptedRun(dir, out, signal);
      assert.equal(r.status, exit, r.stderr);
      const after = readFileSync(prom, 'utf8');
      assert.notEqual(after, before, `${signal}: the metrics file was rewritten; stderr: ${r.stderr}`);
      assert.equal(value(after, 'tenantops_backup_tenants{result="ok"}'), '0');
      assert.equal(value(after, 'tenantops_backup_tenants{result="failed"}'), '12');
      assert.equal(
        value(after, 'tenantops_backup_last_success_timestamp_seconds'),
        value(first, 'tenantops_backup_last_success_timestamp_seconds'),
      );
      assert.ok(
        Number(value(after, 'tenantops_backup_last_run_timestamp_seconds')) >
          Number(value(before, 'tenantops_backup_last_run_timestamp_seconds')),
      );
      assert.match(r.stderr, new RegExp(`interrupted by ${signal};.*node\\.prom reports the run as failed`));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temp file of the metrics is left');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
