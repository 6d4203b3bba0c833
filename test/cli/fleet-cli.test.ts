// [fleet] The fleet commands end to end on the embedded database: backup --all-tenants with its index, progress
// and metrics file; backups list; restore --from-dir [--at]; prune; restore --from-db; their exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

test('backup --all-tenants, backups list, restore --from-dir --at, prune and restore --from-db through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-fleet-'));
  try {
    const cli = cliIn(dir);
    assert.equal(cli(['db', 'seed', '--tenants', '3', '--rows', '60']).status, 0);

    assert.equal(cli(['backup', '--all-tenants']).status, 2, '--out-dir is required');
    assert.equal(cli(['backup', '--all-tenants', '--out-dir', 'b', '--tenant', '1']).status, 2);
    assert.equal(cli(['backup', '--tenant', '1', '--parallel', '2']).status, 2, '--parallel only with --all-tenants');
    const noMetricsDir = cli(['backup', '--all-tenants', '--out-dir', 'b', '--metrics-file', 'no/such/m.prom']);
    assert.equal(noMetricsDir.status, 2, 'a --metrics-file that cannot be written is refused before the run');
    assert.match(noMetricsDir.stderr, /--metrics-file no\/such\/m\.prom: .* is not a directory \[TENANTOPS_E_USAGE\]/);
    assert.ok(!existsSync(join(dir, 'b')), 'nothing was backed up');

    const b = cli(['backup', '--all-tenants', '--out-dir', 'b', '--parallel', '2', '--metrics-file', 'm.prom']);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /backed up 3 tenants \(\d+ rows, [\d.]+ MB\)/);
    const metrics = readFileSync(join(dir, 'm.prom'), 'utf8');
    assert.match(metrics, /^tenantops_backup_tenants\{result="ok"\} 3$/m);
    assert.match(metrics, /^tenantops_backup_tenants\{result="failed"\} 0$/m);
    const success = Number(/^tenantops_backup_last_success_timestamp_seconds (\S+)$/m.exec(metrics)![1]);
    assert.ok(Math.abs(success - Date.now() / 1000) < 120);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
      'the metrics file is renamed into place',
    );

    const list = JSON.parse(cli(['backups', 'list', '--dir', 'b', '--json']).stdout);
    assert.deepEqual(list.map((a: { tenant: string }) => a.tenant).sort(), ['1', '2', '3']);
    assert.ok(
      list.every(
        (a: { rows: number; bytes: number; source: string }) => a.rows > 0 && a.bytes > 0 && a.source === 'index',
      ),
    );
    const only2 = cli(['backups', 'list', '--dir', 'b', '--tenant', '2']);
    assert.match(only2.stdout, /1 archives of 1 tenants/);
    assert.equal(cli(['backups', 'list', '--dir', 'nope']).status, 2);

    // Damage tenant 2, then restore it from the directory.
    const before = JSON.parse(cli(['tenants', '--json']).stdout);
    const del = cli(['restore', '--from-dir', 'b', '--tenant', '2', '--at', '2001-01-01T00:00:00Z', '--yes']);
    assert.equal(del.status, 1);
    assert.match(del.stderr, /TENANTOPS_E_NO_ARCHIVE/);
    assert.equal(cli(['restore', '--from-dir', 'b', '--in', 'x.tnt', '--tenant', '2']).status, 2, 'one source only');
    assert.equal(cli(['restore', '--from-dir', 'b', '--yes']).status, 2, '--tenant is required');

    // The same archive under an older name, outside any index: listed from its manifest, picked by --at.
    const t2 = list.find((a: { tenant: string }) => a.tenant === '2').file as string;
    copyFileSync(join(dir, 'b', t2), join(dir, 'b', 'tenant-2-20200101T020000Z.tnt'));
    const r = cli(['restore', '--from-dir', 'b', '--tenant', '2', '--at', '2020-06-01', '--yes']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /using tenant-2-20200101T020000Z\.tnt/);
    const latest = cli(['restore', '--from-dir', 'b', '--tenant', '2', '--yes']);
    assert.equal(latest.status, 0, latest.stderr);
    assert.match(latest.stderr, new RegExp(`using ${t2.replace(/\./g, '\\.')}`));
    assert.deepEqual(JSON.parse(cli(['tenants', '--json']).stdout), before);

    // prune: prints, deletes nothing without --yes; never a tenant's newest.
    const dry = cli(['prune', '--dir', 'b', '--keep-last', '1']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /would delete\s+tenant-2-20200101T020000Z\.tnt/);
    assert.ok(existsSync(join(dir, 'b', 'tenant-2-20200101T020000Z.tnt')));
    assert.equal(cli(['prune', '--dir', 'b']).status, 2, 'a rule is required');
    const yes = cli(['prune', '--dir', 'b', '--keep-last', '0', '--yes', '--json']);
    assert.equal(yes.status, 0, yes.stderr);
    assert.deepEqual(
      JSON.parse(yes.stdout).delete.map((d: { file: string }) => d.file),
      ['tenant-2-20200101T020000Z.tnt'],
    );
    assert.equal(JSON.parse(cli(['backups', 'list', '--dir', 'b', '--json']).stdout).length, 3);

    // restore --from-db from a copy of the database (a scratch restore of last night's dump).
    mkdirSync(join(dir, 'scratch'));
    assert.equal(cli(['db', 'seed', '--db', 'pglite://./scratch/db', '--tenants', '3', '--rows', '60']).status, 0);
    const fromDb = cli(['restore', '--from-db', 'env:SCRATCH', '--tenant', '3', '--yes', '--json'], {
      SCRATCH: 'pglite://./scratch/db',
    });
    assert.equal(fromDb.status, 0, fromDb.stderr);
    const res = JSON.parse(fromDb.stdout);
    assert.equal(res.tenantId, '3');
    assert.ok(existsSync(res.safetyBackup));
    assert.equal(cli(['restore', '--from-db', 'env:UNSET_VAR', '--tenant', '3']).status, 2);
    assert.equal(cli(['restore', '--from-db', 'mysql://root@127.0.0.1:1/x', '--tenant', '3', '--yes']).status, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('backup --all-tenants exits 1 when a tenant fails, names it, keeps the others and the last success time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-fleet-'));
  try {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, TENANTOPS_DB_URL: '' },
      });
    assert.equal(cli(['db', 'seed', '--tenants', '2', '--rows', '40']).status, 0);
    assert.equal(cli(['backup', '--all-tenants', '--out-dir', 'b', '--metrics-file', 'm.prom']).status, 0);
    const success = /^tenantops_backup_last_success_timestamp_seconds (\S+)$/m.exec(
      readFileSync(join(dir, 'm.prom'), 'utf8'),
    )![1];
    // A config whose scope cannot be built for one tenant is hard to arrange; a tenant whose archive path is a
    // directory fails the same way (TENANTOPS_E_USAGE for that tenant only). Both tenants' names are known from
    // the clock only to the second, so every second of the next minute is blocked for tenant 2.
    const now = Date.now();
    for (let s = 0; s < 60; s++) {
      const stamp = new Date(now + s * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
        .replace(/[-:]/g, '');
      mkdirSync(join(dir, 'c', `tenant-2-${stamp}.tnt`), { recursive: true });
    }
    const r = cli(['backup', '--all-tenants', '--out-dir', 'c', '--metrics-file', 'm.prom']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^tenant 2: .*\[TENANTOPS_E_USAGE\]$/m);
    assert.match(r.stderr, /1 of 2 tenants failed.*\[TENANTOPS_E_TENANTS_FAILED\]/);
    assert.match(r.stdout, /backed up 1 tenants .*1 failed/);
    const m = readFileSync(join(dir, 'm.prom'), 'utf8');
    assert.match(m, /^tenantops_backup_tenants\{result="failed"\} 1$/m);
    assert.match(
      m,
      new RegExp(`^tenantops_backup_last_success_timestamp_seconds ${success.replace('.', '\\.')}$`, 'm'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
