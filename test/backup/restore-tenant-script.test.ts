import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { skipReason } from '../helpers/test-databases.ts';
import { seededFixture, sql, type Fixture } from './backup-fixtures.ts';

const SCRIPT = new URL('../../scripts/restore_tenant.sh', import.meta.url).pathname;

// The host's Lando mode: a fake `lando` on PATH prints what `lando info --format json` prints for the database
// service, pointing at the test's MariaDB database.
describe('scripts/restore_tenant.sh with ENVIRONMENT=lando and ionos [mysql]', async () => {
  const skip = await skipReason('mysql');
  let f: Fixture;
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-sh-'));
  before(async () => {
    if (skip) return;
    f = await seededFixture('mysql', false);
    const database = new URL(f.tmp.url).pathname.slice(1);
    const info = [
      { service: 'appserver', type: 'php' },
      {
        service: 'database',
        type: 'mariadb',
        creds: { user: 'root', password: '', database },
        external_connection: { host: '127.0.0.1', port: '3306' },
      },
    ];
    writeFileSync(
      join(dir, 'lando'),
      `#!/bin/sh\n[ "$1 $2 $3" = "info --format json" ] || exit 1\ncat <<'JSON'\n${JSON.stringify(info)}\nJSON\n`,
    );
    chmodSync(join(dir, 'lando'), 0o755);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (!skip) await f.close();
  });
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync('bash', [SCRIPT, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, ...env },
    });

  test('list and tables go through lando info', { skip }, () => {
    const l = run(['list']);
    assert.equal(l.status, 0, l.stderr);
    assert.match(l.stdout, /4 tenants/);
    const t = run(['tables']);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /social_post__accounts/);
  });

  test('backup then restore a tenant; restore without --force refuses without a TTY', { skip }, async () => {
    const out = join(dir, 't3.tnt');
    const b = run(['backup', '3', `--output=${out}`]);
    assert.equal(b.status, 0, b.stderr);
    assert.ok(existsSync(out));
    await f.db.execute(sql(f.db, 'DELETE FROM `crm_contact` WHERE `tenant_id` = 3'));
    const refused = run(['restore', '3', out]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--yes/);
    const r = run(['restore', '3', out, '--force']);
    assert.equal(r.status, 0, r.stderr);
    const n = await f.db.query(sql(f.db, 'SELECT COUNT(*) AS n FROM `crm_contact` WHERE `tenant_id` = 3'));
    assert.ok(Number(n[0]!.n) > 0);
    const wrong = run(['restore', '2', out, '--force']);
    assert.equal(wrong.status, 3, 'the archive holds tenant 3, not 2');
  });

  test('ENVIRONMENT=ionos reads DATABASE_URL and keeps it out of the output', { skip }, () => {
    const url = f.tmp.url.replace('root@', 'root:@');
    const l = run(['list'], { ENVIRONMENT: 'ionos', DATABASE_URL: url });
    assert.equal(l.status, 0, l.stderr);
    const missing = run(['list'], { ENVIRONMENT: 'ionos', DATABASE_URL: '' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /DATABASE_URL is not set/);
    assert.equal(run(['list'], { ENVIRONMENT: 'staging' }).status, 2);
  });

  test('a failing lando is one clear error', { skip }, () => {
    const r = spawnSync('bash', [SCRIPT, 'list'], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `/nonexistent:${dirname(process.execPath)}:/usr/bin:/bin`,
        TENANTOPS_BIN: join(process.cwd(), 'bin/tenantops'),
      },
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /TENANTOPS_E_LANDO/);
  });
});
