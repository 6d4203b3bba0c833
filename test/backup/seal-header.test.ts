// Archive format 3: every byte of the seal's gzip header is checked. The body's SHA-256 does not cover the seal, and
// a changed flag byte there made `gzip -t`, `tar tzf` and a restore fail on an archive that verify had accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArchive } from '../../src/backup/archive/write-archive.ts';
import { TableChunks } from '../../src/backup/archive/table-chunks.ts';
import type { ManifestHead } from '../../src/backup/archive/manifest.ts';
import { verifyArchive } from '../../src/backup/verify-archive.ts';
import { TenantopsError } from '../../src/errors/index.ts';

test('verify refuses an archive whose seal gzip header was changed, byte by byte', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-seal-'));
  try {
    const file = join(dir, 'a.tnt');
    const head = {
      format: 'tenantops-tenant-archive',
      formatVersion: 3,
      kind: 'tenant',
      tenantId: '1',
      tables: [{ index: 0, name: 't', role: 'scope', rows: 2, columns: ['id'] }],
      external: [],
    } as unknown as ManifestHead;
    await writeArchive(file, undefined, head, async (w) => {
      const t = new TableChunks(w, 'tables/0000-t');
      await t.addLines(['["1"]', '["2"]']);
      return [await t.finish()];
    });
    const good = readFileSync(file);
    assert.equal((await verifyArchive(file)).tables[0]!.rows, 2, 'the untouched archive verifies');
    const size = good.readUInt32LE(good.length - 4);
    const sealStart = good.length - (10 + 5 * Math.max(1, Math.ceil(size / 0xffff)) + size + 8);
    for (let i = 0; i < 10; i++) {
      const bad = Buffer.from(good);
      bad[sealStart + i]! ^= 0x01;
      writeFileSync(file, bad);
      await assert.rejects(
        verifyArchive(file),
        (e: unknown) => e instanceof TenantopsError && e.code === 'TENANTOPS_E_ARCHIVE_CORRUPT',
        `seal header byte ${i}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
