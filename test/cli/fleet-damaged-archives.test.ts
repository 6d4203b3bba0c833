// [fleet] Damaged archives in a backup directory (truncated, a flipped byte, inside or outside a run index):
// backups list says which it knows to be damaged, restore --from-dir refuses one with TENANTOPS_E_ARCHIVE_CORRUPT and
// names the newest usable one before it, and prune counts none of them, deletes none of them, and never deletes a
// tenant's newest good archive because a damaged one is newer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

interface Listed {
  file: string;
  tenant: string;
  problem: string | null;
}

test('damaged archives are listed as such, refused by restore --from-dir, and neither counted nor deleted by prune', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-fleet-damaged-'));
  try {
    const cli = cliIn(dir);
    assert.equal(cli(['db', 'seed', '--tenants', '2', '--rows', '40']).status, 0);
    const b = cli(['backup', '--all-tenants', '--out-dir', 'b']);
    assert.equal(b.status, 0, b.stderr);
    const dirB = join(dir, 'b');
    const newest1 = readdirSync(dirB).find((f) => f.startsWith('tenant-1-'))!;
    const newest2 = readdirSync(dirB).find((f) => f.startsWith('tenant-2-'))!;
    const good = readFileSync(join(dirB, newest1));
    // Tenant 1: two good copies outside the index, a truncated one after them, and the indexed newest with a
    // flipped byte (same size: only its SHA-256 tells).
    copyFileSync(join(dirB, newest1), join(dirB, 'tenant-1-20250101T000000Z.tnt'));
    copyFileSync(join(dirB, newest1), join(dirB, 'tenant-1-20250601T000000Z.tnt'));
    writeFileSync(join(dirB, 'tenant-1-20250701T000000Z.tnt'), good.subarray(0, good.length - 40));
    const flipped = Buffer.from(good);
    flipped[flipped.length >> 1]! ^= 0xff;
    writeFileSync(join(dirB, newest1), flipped);
    // Tenant 2: its indexed archive truncated (the listing compares sizes with the index).
    const t2 = readFileSync(join(dirB, newest2));
    writeFileSync(join(dirB, newest2), t2.subarray(0, t2.length - 1));

    const list = JSON.parse(cli(['backups', 'list', '--dir', 'b', '--json']).stdout) as Listed[];
    const problem = (f: string) => list.find((a) => a.file === f)!.problem;
    assert.equal(problem('tenant-1-20250601T000000Z.tnt'), null);
    assert.match(problem('tenant-1-20250701T000000Z.tnt')!, /corrupt/);
    assert.match(problem(newest2)!, /its run index recorded/);
    assert.match(cli(['backups', 'list', '--dir', 'b']).stdout, /5 archives of 2 tenants, 2 damaged/);

    const atTruncated = cli(['restore', '--from-dir', 'b', '--tenant', '1', '--at', '2025-07-02', '--yes']);
    assert.equal(atTruncated.status, 3, atTruncated.stderr);
    assert.match(
      atTruncated.stderr,
      /tenant-1-20250701T000000Z\.tnt, the newest archive .* cannot be used .*the newest usable one before it is tenant-1-20250601T000000Z\.tnt: add --at 2025-06-01T00:00:00\.000Z \[TENANTOPS_E_ARCHIVE_CORRUPT\]/,
    );
    const only2 = cli(['restore', '--from-dir', 'b', '--tenant', '2', '--yes']);
    assert.equal(only2.status, 3, only2.stderr);
    assert.match(only2.stderr, /no older archive of the tenant is usable \[TENANTOPS_E_ARCHIVE_CORRUPT\]/);

    const prune = cli(['prune', '--dir', 'b', '--keep-last', '1', '--yes', '--json']);
    assert.equal(prune.status, 0, prune.stderr);
    const p = JSON.parse(prune.stdout) as {
      delete: { file: string }[];
      keep: { file: string; reasons: string[] }[];
      damaged: { file: string; problem: string }[];
    };
    assert.deepEqual(
      p.delete.map((d) => d.file),
      ['tenant-1-20250101T000000Z.tnt'],
    );
    assert.deepEqual(
      p.keep.map((k) => [k.file, k.reasons]),
      [['tenant-1-20250601T000000Z.tnt', ['last', 'newest']]],
    );
    assert.deepEqual(p.damaged.map((d) => d.file).sort(), [newest1, 'tenant-1-20250701T000000Z.tnt', newest2].sort());
    assert.match(p.damaged.find((d) => d.file === newest1)!.problem, /SHA-256/);
    for (const f of ['tenant-1-20250601T000000Z.tnt', 'tenant-1-20250701T000000Z.tnt', newest1, newest2])
      assert.ok(existsSync(join(dirB, f)), f);
    assert.ok(!existsSync(join(dirB, 'tenant-1-20250101T000000Z.tnt')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run index that cannot be parsed is left out with a warning: list, prune and the next run go on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-fleet-damaged-index-'));
  try {
    const cli = cliIn(dir);
    assert.equal(cli(['db', 'seed', '--tenants', '2', '--rows', '40']).status, 0);
    assert.equal(cli(['backup', '--all-tenants', '--out-dir', 'b']).status, 0);
    const index = readdirSync(join(dir, 'b')).find((f) => f.endsWith('.json'))!;
    const text = readFileSync(join(dir, 'b', index), 'utf8');
    writeFileSync(join(dir, 'b', index), text.slice(0, text.length >> 1));
    const warning = new RegExp(`warning: run index .*${index.replace(/\./g, '\\.')} cannot be read as JSON`);

    const list = cli(['backups', 'list', '--dir', 'b', '--json']);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stderr, warning);
    const listed = JSON.parse(list.stdout) as { tenant: string; source: string; problem: string | null }[];
    assert.deepEqual(listed.map((a) => [a.tenant, a.source, a.problem]).sort(), [
      ['1', 'manifest', null],
      ['2', 'manifest', null],
    ]);
    const prune = cli(['prune', '--dir', 'b', '--keep-last', '1']);
    assert.equal(prune.status, 0, prune.stderr);
    assert.match(prune.stderr, warning);
    // And what a killed run left: a .partial untouched for two hours goes, a fresh one stays.
    const stale = join(dir, 'b', 'tenant-1-20250301T020000Z.tnt.partial');
    writeFileSync(stale, 'half an archive');
    utimesSync(stale, new Date(Date.now() - 7200_000), new Date(Date.now() - 7200_000));
    writeFileSync(join(dir, 'b', 'tenant-2-20250301T020000Z.tnt.partial'), 'being written');
    const again = cli(['backup', '--all-tenants', '--out-dir', 'b']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, warning);
    assert.match(
      again.stderr,
      /removed 1 unfinished files of an interrupted run: tenant-1-20250301T020000Z\.tnt\.partial/,
    );
    assert.ok(!existsSync(stale));
    assert.ok(existsSync(join(dir, 'b', 'tenant-2-20250301T020000Z.tnt.partial')));
    assert.match(again.stdout, /backed up 2 tenants/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
