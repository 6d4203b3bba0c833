import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

/** The CLI run in `dir` on its default embedded database, as a newcomer runs it. */
const cliIn = (dir: string) => (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TENANTOPS_DB_URL: '' },
  });

// The commands end to end on the embedded database, as a newcomer runs them.
test('tables, tenants, backup --encrypt, inspect, verify, restore --dry-run and restore through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-bk-'));
  try {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [BIN, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '', ...env },
      });
    assert.equal(run(['db', 'seed', '--tenants', '3', '--rows', '80']).status, 0);

    const tables = JSON.parse(run(['tables', '--tenant', '2', '--json']).stdout);
    assert.ok(
      tables.inScope.some((t: { table: string; rows: number }) => t.table === 'email_subscriber__lists' && t.rows > 0),
    );
    assert.ok(tables.outOfScope.some((t: { table: string }) => t.table === 'users'));
    const tenants = JSON.parse(run(['tenants', '--json']).stdout);
    assert.deepEqual(
      tenants.map((t: { tenant: string }) => t.tenant),
      ['1', '2', '3'],
    );
    assert.ok(tenants.every((t: { rows: number; approxBytes: number }) => t.rows > 0 && t.approxBytes > 0));

    const secret = 'correct horse battery staple';
    const noKey = run(['backup', '--tenant', '2', '--encrypt', '--out', 'x.tnt']);
    assert.equal(noKey.status, 3);
    const b = run(['backup', '--tenant', '2', '--encrypt', '--out', 't2.tnt', '--json'], {
      TENANTOPS_BACKUP_KEY: secret,
    });
    assert.equal(b.status, 0, b.stderr);
    const out = JSON.parse(b.stdout);
    assert.equal(out.tenant, '2');
    assert.equal(statSync(join(dir, 't2.tnt')).mode & 0o777, 0o600);
    assert.ok(
      !readFileSync(join(dir, 't2.tnt')).includes(Buffer.from('crm_company')),
      'encrypted: table names are not readable',
    );
    assert.ok(!b.stdout.includes(secret) && !b.stderr.includes(secret));

    assert.equal(run(['inspect', 't2.tnt']).status, 3, 'no key, no manifest');
    const m = JSON.parse(run(['inspect', 't2.tnt', '--json'], { TENANTOPS_BACKUP_KEY: secret }).stdout);
    assert.equal(m.tenantId, '2');
    assert.equal(m.encrypted, true);
    writeFileSync(join(dir, 'key.txt'), secret);
    const v = run(['verify', 't2.tnt', '--key-file', 'key.txt', '--db', 'pglite://./.tenantops/db']);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /fits the target schema/);

    const dry = run(['restore', '--in', 't2.tnt', '--dry-run', '--json'], { TENANTOPS_BACKUP_KEY: secret });
    assert.equal(dry.status, 0, dry.stderr);
    assert.ok(
      JSON.parse(dry.stdout).tables.every(
        (t: { insert: number; update: number; delete: number }) => t.insert + t.update + t.delete === 0,
      ),
    );
    const noTty = run(['restore', '--in', 't2.tnt'], { TENANTOPS_BACKUP_KEY: secret });
    assert.equal(noTty.status, 2);
    const conflict = run(['restore', '--in', 't2.tnt', '--db', 'pglite://x', '--env', 'prod']);
    assert.equal(conflict.status, 2);
    assert.match(conflict.stderr, /conflict/);
    const remote = run(['restore', '--in', 't2.tnt', '--db', 'mysql://u:pw@db.example.com/x']);
    assert.equal(remote.status, 2);
    assert.match(remote.stderr, /not local/);
    assert.ok(!remote.stderr.includes(':pw@'));
    const r = run(['restore', '--in', 't2.tnt', '--yes', '--tenant', '2'], { TENANTOPS_BACKUP_KEY: secret });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /safety backup of the previous rows: .*safety-tenant-2-/);
    assert.equal(run(['backup', '--tenant', '2; DROP TABLE groups']).status, 2);
    assert.equal(run(['backup', '--tenant', '77']).status, 1);
    // A tenant that does not exist is the same error for tables as for backup, not a plan of zero rows.
    const missingTenant = run(['tables', '--tenant', '77']);
    assert.equal(missingTenant.status, 1);
    assert.match(missingTenant.stderr, /tenant 77 not found .*\[TENANTOPS_E_TENANT_NOT_FOUND\]/);
    assert.equal(run(['backup']).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad config file is one line naming the path, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-cfg-'));
  try {
    writeFileSync(join(dir, 'tenantops.config.yaml'), 'tables:\n  rental: { parent: [1] }\n');
    const r = spawnSync(process.execPath, [BIN, 'tables', '--db', 'pglite://memory'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /tables\.rental\.parent: must be a non-empty string \[TENANTOPS_E_CONFIG\]/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--out must be a new path or a regular file: a device or a directory is refused, and left alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-out-'));
  try {
    const run = cliIn(dir);
    assert.equal(run(['db', 'seed', '--tenants', '1', '--rows', '10']).status, 0);
    for (const target of ['/dev/null', dir]) {
      const r = run(['backup', '--tenant', '1', '--out', target]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /is not a regular file.*\[TENANTOPS_E_USAGE\]/);
    }
    assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still a device');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A full disk, for real: a 64 KiB tmpfs. Needs root, as CI is; without it the mount fails and the test says so.
test('a full disk is one line naming ENOSPC, exit 1, and no partial file is left', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-full-'));
  const small = join(dir, 'small');
  mkdirSync(small);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small], { encoding: 'utf8' });
  if (mount.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    if (process.env.TENANTOPS_REQUIRE_SERVERS === '1') assert.fail(`cannot mount a tmpfs: ${mount.stderr}`);
    return t.skip(`cannot mount a tmpfs (not root?): ${mount.stderr.trim()}`);
  }
  try {
    const run = cliIn(dir);
    assert.equal(run(['db', 'seed', '--tenants', '1', '--rows', '3000']).status, 0);
    const r = run(['backup', '--tenant', '1', '--out', join(small, 't1.tnt')]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /no space left on device \(ENOSPC\).*\[TENANTOPS_E_IO\]/);
    assert.equal(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('tenantops:')).length,
      1,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(readdirSync(small), [], 'no .partial left behind');
  } finally {
    spawnSync('umount', [small]);
    rmSync(dir, { recursive: true, force: true });
  }
});
