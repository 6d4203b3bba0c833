// [fleet] restore --from-dir without --at restores the tenant's newest archive, also one stamped after this
// machine's clock (a backup host whose clock runs ahead); --at picks among the rest as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

test('without --at the newest archive is restored, even one from a clock ahead of this one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-from-dir-newest-'));
  try {
    const cli = cliIn(dir);
    assert.equal(cli(['db', 'seed', '--tenants', '1', '--rows', '20']).status, 0);
    mkdirSync(join(dir, 'b'));
    const future = join('b', `tenant-1-${new Date().getUTCFullYear() + 1}0101T000000Z.tnt`);
    const b = cli(['backup', '--tenant', '1', '--out', future]);
    assert.equal(b.status, 0, b.stderr);
    copyFileSync(join(dir, future), join(dir, 'b', 'tenant-1-20200101T000000Z.tnt'));

    const newest = cli(['restore', '--from-dir', 'b', '--tenant', '1', '--dry-run']);
    assert.equal(newest.status, 0, newest.stderr);
    assert.match(newest.stderr, new RegExp(`using ${future.slice(2).replace(/\./g, '\\.')}`));
    const now = cli(['restore', '--from-dir', 'b', '--tenant', '1', '--dry-run', '--at', new Date().toISOString()]);
    assert.equal(now.status, 0, now.stderr);
    assert.match(now.stderr, /using tenant-1-20200101T000000Z\.tnt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
