// [fleet] backup --all-tenants continues an interrupted run only if it is of the same database and encryption: a
// run of another database into the same DIR took the first one's tenants as done and backed up none of its own,
// and a run with --encrypt kept the unencrypted archives of the run it continued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

test('an interrupted run is continued only by a run of the same database and encryption', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-fleet-resume-'));
  try {
    const cli = cliIn(dir);
    for (const db of ['a', 'b'])
      assert.equal(cli(['db', 'seed', '--db', `pglite://./${db}`, '--tenants', '2', '--rows', '20']).status, 0);
    const indexes = () => readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.json'));
    const interrupt = () => {
      // As a kill leaves it: the index of the newest run without finishedAt.
      const f = join(dir, 'out', indexes().sort().at(-1)!);
      writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), finishedAt: null }));
    };
    const run = (db: string, extra: string[] = [], env: Record<string, string> = {}) => {
      const r = cli(['backup', '--db', `pglite://./${db}`, '--all-tenants', '--out-dir', 'out', ...extra], env);
      assert.equal(r.status, 0, r.stderr);
      return r;
    };

    run('a');
    interrupt();
    const other = run('b');
    assert.doesNotMatch(other.stderr, /continuing run/);
    assert.match(other.stdout, /backed up 2 tenants/);
    assert.equal(indexes().length, 2, 'a run of its own');

    interrupt();
    const key = { TENANTOPS_BACKUP_KEY: 'correct horse battery staple' };
    const encrypted = run('b', ['--encrypt'], key);
    assert.doesNotMatch(encrypted.stderr, /continuing run/);
    assert.match(encrypted.stdout, /backed up 2 tenants/);
    assert.equal(indexes().length, 3);

    interrupt();
    const same = run('b', ['--encrypt'], key);
    assert.match(same.stderr, /continuing run .*: 2 tenants already done are skipped, 0 to do/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
