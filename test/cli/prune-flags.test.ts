// [fleet] prune's retention flags: every bad value is one line naming the flag, exit 2 (TENANTOPS_E_USAGE), before
// anything is listed or deleted; a negative number says how a value starting with '-' is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

test('bad --keep-* values are one-line usage errors naming the flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-prune-flags-'));
  try {
    mkdirSync(join(dir, 'b'));
    const cases: [string[], RegExp][] = [
      [['--keep-last', '-1'], /'--keep-last' argument is ambiguous\..* use '--keep-last=-XYZ'\./],
      [['--keep-last=-1'], /--keep-last must be an integer ≥ 0, got "-1"/],
      [['--keep-daily', '1.5'], /--keep-daily must be an integer ≥ 0, got "1\.5"/],
      [['--keep-weekly', 'two'], /--keep-weekly must be an integer ≥ 0, got "two"/],
      [['--keep-last'], /--keep-last <value>' argument missing/],
      [[], /give at least one of --keep-last, --keep-daily, --keep-weekly/],
    ];
    for (const [flags, message] of cases) {
      const r = spawnSync(process.execPath, [BIN, 'prune', '--dir', 'b', '--yes', ...flags], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, flags.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^tenantops: [^\n]*\[TENANTOPS_E_USAGE\]\n$/, 'one line');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
