// [fleet] A local backup location that cannot be a directory (a file is in the way) is a one-line
// TENANTOPS_E_IO naming the path, not an internal error with a stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

test('listing a location that is gone and deleting what cannot be deleted are TENANTOPS_E_IO naming the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-local-store-'));
  try {
    await assert.rejects(
      new LocalDirStore(join(dir, 'gone')).list(),
      (e: Error & { code?: string }) =>
        e.code === 'TENANTOPS_E_IO' && e.message === `cannot list ${join(dir, 'gone')}: ENOENT`,
    );
    mkdirSync(join(dir, 'tenant-1-20250301T020000Z.tnt'));
    writeFileSync(join(dir, 'tenant-1-20250301T020000Z.tnt', 'x'), 'x');
    await assert.rejects(
      new LocalDirStore(dir).delete('tenant-1-20250301T020000Z.tnt'),
      (e: Error & { code?: string }) =>
        e.code === 'TENANTOPS_E_IO' &&
        e.message.startsWith(`cannot delete ${join(dir, 'tenant-1-20250301T020000Z.tnt')}: `),
    );
    await new LocalDirStore(dir).delete('never-there.tnt');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
