// A pglite:// path with a typo, given to a command that reads a tenant's data (tables, tenants, backup, restore,
// verify --db), is one line saying there is no database there, exit 1, and nothing is created. Until 2026-12-07
// PGlite created a new, empty database at the path (and backup --all-tenants its --out-dir), and the command then
// failed with 'tenant table "groups" does not exist; set tenant.table in tenantops.config.yaml', sending the operator
// to the config. db migrate and db seed still create a database on first use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

test('backup commands on a pglite:// path with no database refuse it and create nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-pglite-typo-'));
  try {
    const cli = cliIn(dir);
    const db = ['--db', 'pglite://./typo-db'];
    for (const args of [
      ['tenants', ...db],
      ['tables', ...db],
      ['backup', '--tenant', '1', '--out', 'a.tnt', ...db],
      ['backup', '--all-tenants', '--out-dir', 'out', ...db],
      ['restore', '--from-db', 'pglite://./typo-source', '--tenant', '1', '--yes', '--db', 'pglite://./typo-db'],
    ]) {
      const r = cli(args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /no database at pglite:\/\/\.\/typo-(db|source).*\[TENANTOPS_E_DB_CONNECT\]/);
      assert.deepEqual(readdirSync(dir), [], `${args.join(' ')} created nothing`);
    }
    // The commands that make a database still do.
    assert.equal(cli(['db', 'migrate', ...db]).status, 0);
    assert.ok(existsSync(join(dir, 'typo-db')));
    const t = cli(['tenants', ...db]);
    assert.equal(t.status, 0, t.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
