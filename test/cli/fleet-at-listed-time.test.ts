// [fleet] restore --from-dir --at takes the time `backups list` prints: the list (and the archive's name) shows a
// snapshot's time to the second, the snapshot itself is to the millisecond, and --at without fractional seconds
// stands for its whole second. Until 2026-12-07 `--at 14:49:46Z` refused (or took an older archive) for the
// archive listed as taken at 14:49:46Z, whose snapshot was at 14:49:46.861.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

test('restore --from-dir --at the time backups list shows picks that archive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-at-listed-'));
  try {
    const cli = cliIn(dir);
    assert.equal(cli(['db', 'seed', '--tenants', '2', '--rows', '20']).status, 0);
    assert.equal(cli(['backup', '--all-tenants', '--out-dir', 'b']).status, 0);
    // The snapshot time set to .861 s past the second its name shows, as a real run has it 999 times in 1000.
    const indexFile = join(
      dir,
      'b',
      readdirSync(join(dir, 'b')).find((f) => f.startsWith('tenantops-run-'))!,
    );
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    const t1 = index.tenants.find((t: { tenant: string }) => t.tenant === '1');
    const named = /-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.tnt$/.exec(t1.file)!;
    t1.snapshotAt = `${named[1]}-${named[2]}-${named[3]}T${named[4]}:${named[5]}:${named[6]}.861Z`;
    writeFileSync(indexFile, JSON.stringify(index));

    const line = cli(['backups', 'list', '--dir', 'b', '--tenant', '1']).stdout.split('\n')[1]!;
    const shown = line.split(/\s+/)[0]!;
    assert.match(shown, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'listed to the second');
    const r = cli(['restore', '--from-dir', 'b', '--tenant', '1', '--at', shown, '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`using ${t1.file.replace(/\./g, '\\.')} \\(tenant 1 as of ${t1.snapshotAt}`));
    // With fractional seconds the time is exact: a millisecond before the snapshot there is no archive.
    const before = cli(['restore', '--from-dir', 'b', '--tenant', '1', '--at', t1.snapshotAt.replace('.861', '.860')]);
    assert.equal(before.status, 1, before.stderr);
    assert.match(before.stderr, /TENANTOPS_E_NO_ARCHIVE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
