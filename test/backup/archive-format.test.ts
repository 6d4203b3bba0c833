import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveWriter } from '../../src/backup/archive/archive-writer.ts';
import { readArchiveEntries } from '../../src/backup/archive/archive-reader.ts';
import { canonicalRow, decodeRow } from '../../src/backup/archive/canonical-row.ts';
import { verifyArchive } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenantops-fmt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function archiveWith(name: string, manifest: object, passphrase?: string): Promise<string> {
  const path = join(dir, name);
  const w = ArchiveWriter.create(path, passphrase);
  await w.addEntry('manifest.json', Buffer.from(JSON.stringify(manifest)));
  await w.finish([]);
  return path;
}

test('an archive from a newer format version is refused with a clear message', async () => {
  const path = await archiveWith('v99.tnt', { format: 'tenantops-tenant-archive', formatVersion: 99, tables: [] });
  await assert.rejects(
    verifyArchive(path),
    (e: unknown) =>
      e instanceof TenantopsError &&
      e.code === 'TENANTOPS_E_ARCHIVE_FORMAT' &&
      /version 99 is not supported.*upgrade/.test(e.message),
  );
  const other = await archiveWith('other.tnt', { hello: 'world' });
  await assert.rejects(
    verifyArchive(other),
    (e: unknown) => e instanceof TenantopsError && e.code === 'TENANTOPS_E_ARCHIVE_FORMAT',
  );
});

test('plain archives are standard tar.gz that `tar` lists', async () => {
  const path = join(dir, 'plain.tnt');
  const w = ArchiveWriter.create(path);
  await w.addEntry('tables/0000-t/000000.ndjson', Buffer.from('["1"]\n'));
  await w.addEntry('manifest.json', Buffer.from('{}'));
  await w.finish([]);
  // The seal is a gzip member of its own (stored): tar reads through both members.
  const r = spawnSync('tar', ['tzf', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['tables/0000-t/000000.ndjson', 'manifest.json', 'seal.json']);
  const names: string[] = [];
  for await (const e of readArchiveEntries(path)) names.push(e.name);
  assert.deepEqual(names, ['tables/0000-t/000000.ndjson', 'manifest.json', 'seal.json']);
});

test('canonical rows keep NULL apart from empty text, and binary exact', () => {
  const bin = Buffer.from([0, 255, 10, 13, 0]);
  const line = canonicalRow([
    null,
    '',
    '0',
    bin,
    '9223372036854775807',
    '2024-02-29 23:59:59.123456',
    '{"a":[1,2]}',
    'Ñandú 🚀',
  ]);
  assert.equal(line.includes('\n'), false, 'one row is one line');
  const back = decodeRow(line);
  assert.equal(back[0], null);
  assert.equal(back[1], '');
  assert.ok(Buffer.isBuffer(back[3]) && (back[3] as Buffer).equals(bin));
  assert.equal(back[4], '9223372036854775807');
  assert.equal(back[7], 'Ñandú 🚀');
});
