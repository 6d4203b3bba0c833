// [fleet] backup --all-tenants --metrics-file PATH: a PATH that exists and is not a file (a directory) is a usage
// error before the run. Until 2026-12-07 the run backed up every tenant, then failed renaming the metrics into place
// (EISDIR) and exited 1 without its summary. A good PATH gets the metrics atomically (no temp file left).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

test('--metrics-file that is a directory is refused before the run; a file path gets every metric', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-metrics-path-'));
  try {
    const cli = cliIn(dir);
    assert.equal(cli(['db', 'seed', '--tenants', '2', '--rows', '20']).status, 0);
    mkdirSync(join(dir, 'm', 'node.prom'), { recursive: true });
    const r = cli(['backup', '--all-tenants', '--out-dir', 'b', '--metrics-file', 'm/node.prom']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr.trim(),
      /^tenantops: --metrics-file m\/node\.prom: exists and is not a regular file \[TENANTOPS_E_USAGE\]$/,
    );
    assert.ok(!existsSync(join(dir, 'b')), 'nothing backed up');

    const ok = cli(['backup', '--all-tenants', '--out-dir', 'b', '--metrics-file', 'm/t.prom']);
    assert.equal(ok.status, 0, ok.stderr);
    const text = readFileSync(join(dir, 'm', 't.prom'), 'utf8');
    for (const name of [
      'tenantops_backup_last_success_timestamp_seconds',
      'tenantops_backup_last_run_timestamp_seconds',
      'tenantops_backup_tenants{result="ok"} 2',
      'tenantops_backup_tenants{result="failed"} 0',
      'tenantops_backup_bytes',
      'tenantops_backup_duration_seconds',
    ])
      assert.ok(
        text.split('\n').some((l) => l.startsWith(name)),
        name,
      );
    assert.deepEqual(readdirSync(join(dir, 'm')).sort(), ['node.prom', 't.prom'], 'no temp file left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
