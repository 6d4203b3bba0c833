// [fleet] restore --from-dir whose pick turns out damaged only when it is read (a flipped byte: its size is the one
// its run index recorded, so the listing cannot tell): refused in one line that names the archive and the newest
// one before it, with the --at that takes it, as for damage the listing sees. Until 2026-12-07 it said only
// "archive is corrupt: seal checksum mismatch", leaving the operator to find an older archive and its time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';
import { createTempDatabase, skipReason } from '../helpers/test-databases.ts';

test('a picked archive found corrupt when read names the one before it and the --at that takes it', async (t) => {
  const why = await skipReason('mysql');
  if (why) return t.skip(why);
  const db = await createTempDatabase('mysql');
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-from-dir-corrupt-'));
  try {
    const cli = cliIn(dir);
    const env = { TENANTOPS_DB_URL: db.url };
    assert.equal(cli(['db', 'seed', '--tenants', '2', '--rows', '20'], env).status, 0);
    for (let i = 0; i < 2; i++) {
      const b = cli(['backup', '--all-tenants', '--out-dir', 'b'], env);
      assert.equal(b.status, 0, b.stderr);
    }
    const [older, newest] = readdirSync(join(dir, 'b'))
      .filter((f) => f.startsWith('tenant-1-'))
      .sort();
    const path = join(dir, 'b', newest!);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(path, bytes);

    const r = cli(['restore', '--from-dir', 'b', '--tenant', '1', '--dry-run'], env);
    assert.equal(r.status, 3, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /^using /);
    assert.equal(lines.length, 2, r.stderr);
    const at = /add --at (\S+) \[TENANTOPS_E_ARCHIVE_CORRUPT\]$/.exec(lines[1]!)?.[1];
    assert.ok(lines[1]!.includes(newest!) && lines[1]!.includes(older!), lines[1]);
    assert.match(lines[1]!, /archive is corrupt/);
    assert.ok(at, lines[1]);

    const ok = cli(['restore', '--from-dir', 'b', '--tenant', '1', '--at', at!, '--dry-run'], env);
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(ok.stderr.startsWith(`using ${older}`), ok.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});
