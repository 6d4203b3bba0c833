// [fleet] backup --all-tenants --metrics-file in a directory this user cannot write (a node-exporter textfile
// directory owned by node_exporter, a read-only mount): refused before the run, one line, exit 2. Until 2026-12-07
// the run backed up every tenant, then failed writing the metrics (EACCES) and exited 1 with a warning and an
// error but without its summary. The test runs the CLI as nobody when it runs as root (root writes anywhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';
import { createTempDatabase, skipReason } from '../helpers/test-databases.ts';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

test('a --metrics-file this user cannot write is refused before any tenant is backed up', async (t) => {
  const why = await skipReason('mysql');
  if (why) return t.skip(why);
  const db = await createTempDatabase('mysql');
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  // nobody must reach the directory: the test runner's TMPDIR is root's alone.
  const dir = mkdtempSync(join(asNobody.uid ? '/tmp' : tmpdir(), 'tenantops-metrics-unwritable-'));
  try {
    chmodSync(dir, 0o777);
    assert.equal(cliIn(dir)(['db', 'seed', '--db', db.url, '--tenants', '2', '--rows', '10']).status, 0);
    mkdirSync(join(dir, 'ro'), { mode: 0o555 });
    chmodSync(join(dir, 'ro'), 0o555);
    const r = spawnSync(
      process.execPath,
      [BIN, 'backup', '--all-tenants', '--db', db.url, '--out-dir', 'b', '--metrics-file', 'ro/node.prom'],
      {
        cwd: dir,
        encoding: 'utf8',
        ...asNobody,
        env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '', TMPDIR: dir, HOME: dir },
      },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /^tenantops: --metrics-file ro\/node\.prom: this user cannot write there \(EACCES\); .*\[TENANTOPS_E_USAGE\]\n$/,
    );
    assert.equal(r.stdout, '');
    assert.ok(!existsSync(join(dir, 'b')), 'no tenant was backed up');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});
