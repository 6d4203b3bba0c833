// [fleet] A local backup location that cannot be a directory (a file is in the way) is a one-line
// TENANTOPS_E_IO naming the path, not an internal error with a stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDirStore } from '../../src/backup/storage/local-dir-store.ts';

test('prepare() on a path where a file is in the way is TENANTOPS_E_IO naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-local-store-'));
  try {
    writeFileSync(join(dir, 'file'), 'x');
    for (const location of [join(dir, 'file'), join(dir, 'file', 'sub')])
      await assert.rejects(
        new LocalDirStore(location).prepare(),
        (e: Error & { code?: string }) =>
          e.code === 'TENANTOPS_E_IO' &&
          e.message.startsWith(`cannot create the backup directory ${location}: `) &&
          /a file is in the way/.test(e.message),
      );
    await new LocalDirStore(join(dir, 'a', 'b')).prepare();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
