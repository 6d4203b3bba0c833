// Bad input to restore --in: a path that does not exist, or a directory, is the one-line TENANTOPS_E_ARCHIVE_CORRUPT
// that verify and inspect give for it (exit 3), saying why in words, not an internal error with the raw ENOENT/EISDIR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

test('restore --in a missing file or a directory: TENANTOPS_E_ARCHIVE_CORRUPT naming it, exit 3', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-restore-missing-'));
  try {
    mkdirSync(join(dir, 'adir'));
    for (const [arg, code] of [
      ['missing.tnt', 'no such file or directory (ENOENT)'],
      ['adir', 'is a directory (EISDIR)'],
    ] as const) {
      const r = spawnSync(process.execPath, [BIN, 'restore', '--in', arg, '--yes'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '' },
      });
      assert.equal(r.status, 3, r.stderr);
      assert.equal(
        r.stderr,
        `tenantops: cannot open archive ${join(dir, arg)}: ${code} [TENANTOPS_E_ARCHIVE_CORRUPT]\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
