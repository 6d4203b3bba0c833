// [fleet] A local backup location that cannot be a directory (a file is in the way) is a one-line
// TENANTOPS_E_IO naming the path, not an internal error with a stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
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
        e.code === 'TENANTOPS_E_IO' &&
        e.message === `cannot list ${join(dir, 'gone')}: no such file or directory (ENOENT)`,
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

test('removeStale() removes only .partial files untouched for the given time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-local-store-'));
  try {
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const f of [
      'tenant-1-20250301T020000Z.tnt.partial',
      'tenantops-run-20250301T020000Z.json.partial',
      'old.tnt',
    ]) {
      writeFileSync(join(dir, f), 'x');
      utimesSync(join(dir, f), old, old);
    }
    writeFileSync(join(dir, 'tenant-2-20250301T020000Z.tnt.partial'), 'being written');
    const removed = await new LocalDirStore(dir).removeStale(3600_000);
    assert.deepEqual(removed.sort(), [
      'tenant-1-20250301T020000Z.tnt.partial',
      'tenantops-run-20250301T020000Z.json.partial',
    ]);
    assert.deepEqual(readdirSync(dir).sort(), ['old.tnt', 'tenant-2-20250301T020000Z.tnt.partial']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
