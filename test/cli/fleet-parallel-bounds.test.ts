// [fleet] backup --all-tenants --parallel N: N from 1 to 32, anything else a one-line usage error before anything is
// written. Above 32 a run took every connection of the server (--parallel 300 on a default MariaDB: 151 connections
// gone, 48 tenants failed "Too many connections", and the application locked out meanwhile).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

test('--parallel takes 1 to 32; 0, 33, negatives, fractions and words are refused before the run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-parallel-'));
  try {
    const cli = cliIn(dir);
    assert.equal(cli(['db', 'seed', '--tenants', '2', '--rows', '20']).status, 0);
    for (const bad of ['0', '33', '1000', '=-1', '1.5', 'two', '1e1', ' 2', '']) {
      const args = bad.startsWith('=') ? [`--parallel${bad}`] : ['--parallel', bad];
      const r = cli(['backup', '--all-tenants', '--out-dir', 'b', ...args]);
      assert.equal(r.status, 2, `--parallel ${bad}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      assert.match(r.stderr, /--parallel must be an integer from 1 to 32, got ".*" \[TENANTOPS_E_USAGE\]/);
      assert.ok(!existsSync(join(dir, 'b')), 'nothing written');
    }
    const ok = cli(['backup', '--all-tenants', '--out-dir', 'b', '--parallel', '32', '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(
      JSON.parse(ok.stdout).run.tenants.map((t: { result: string }) => t.result),
      ['ok', 'ok'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
