// verify FILE --db URL where the archive is from another engine family: one line saying so, exit 4, as restore
// refuses it. Until 2026-12-07 verify compared the schemas anyway and printed "archive does not fit … (176
// differences)" and a line per column type (bigint(20) vs bigint…), without saying the engines differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';
import { createTempDatabase, skipReason } from '../helpers/test-databases.ts';

test('verify --db of another engine family is one line, exit 4, the same refusal as restore', async (t) => {
  for (const e of ['mysql', 'postgres'] as const) {
    const why = await skipReason(e);
    if (why) return t.skip(why);
  }
  const my = await createTempDatabase('mysql');
  const pg = await createTempDatabase('postgres');
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-verify-engine-'));
  try {
    const cli = cliIn(dir);
    assert.equal(cli(['db', 'seed', '--db', my.url, '--tenants', '1', '--rows', '10']).status, 0);
    assert.equal(cli(['db', 'migrate', '--db', pg.url]).status, 0);
    const b = cli(['backup', '--db', my.url, '--tenant', '1', '--out', 'a.tnt']);
    assert.equal(b.status, 0, b.stderr);
    const v = cli(['verify', 'a.tnt', '--db', pg.url]);
    const r = cli(['restore', '--in', 'a.tnt', '--db', pg.url, '--dry-run']);
    for (const x of [v, r]) {
      assert.equal(x.status, 4, x.stderr);
      assert.equal(x.stderr.trim().split('\n').length, 1, x.stderr);
      assert.match(x.stderr, /archive is from mysql, target is postgres.*\[TENANTOPS_E_SCHEMA_MISMATCH\]/);
    }
    assert.equal(v.stdout, '');
    // The same archive against its own engine still verifies and fits.
    const ok = cli(['verify', 'a.tnt', '--db', my.url]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /fits the target schema/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await my.drop();
    await pg.drop();
  }
});
