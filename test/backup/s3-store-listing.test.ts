// [fleet] Listing an s3:// backup location against a real S3-protocol server (s3rver, test/helpers/s3-server.ts):
// more than 1000 objects (ListObjectsV2 pages of 1000, continued by token), object names with '%' escapes and
// UTF-8 bytes as fleet archive names have them, and the same prefix written with and without a trailing slash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { archiveFileName, openBackupStore } from '../../src/backup/index.ts';
import { getText, putText } from '../../src/backup/storage/store-text.ts';
import { useS3Server } from '../helpers/s3-server.ts';

const s3 = useS3Server();

test('a location of more than 1000 objects is listed whole, page after page', async () => {
  const store = openBackupStore('s3://tenantops/many', '/', process.env);
  const names = Array.from({ length: 1003 }, (_, i) => `tenant-${i}-20250301T020000Z.tnt`);
  for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((n) => putText(store, n, n)));
  await putText(openBackupStore('s3://tenantops/many/safety', '/', process.env), 'not-listed.tnt', 'x');
  const before = s3.requests.length;
  const listed = await store.list();
  const lists = s3.requests.slice(before).filter((r) => r.method === 'GET' && r.query['list-type'] === '2');
  assert.equal(lists.length, 2, 'two pages');
  assert.deepEqual(listed.map((o) => o.name).sort(), [...names].sort());
  assert.ok(listed.every((o) => o.bytes === Buffer.byteLength(o.name)));
});

test('archive names with escapes and UTF-8 are stored, listed, read and deleted under the names given', async () => {
  const at = new Date('2025-03-01T02:00:00Z');
  const ids = ['a/b', 'a.b', 'a_b', '50%', 'x y', 'ünï', '..', 'L'.repeat(300)];
  const names = ids.map((id) => archiveFileName(id, at));
  const store = openBackupStore('s3://tenantops/names/', '/', process.env);
  for (const n of names) await putText(store, n, `body of ${n}`);
  for (const raw of ['s3://tenantops/names', 's3://tenantops/names/', 's3://tenantops//names//']) {
    const listed = (await openBackupStore(raw, '/', process.env).list()).map((o) => o.name);
    assert.deepEqual(listed.sort(), [...names].sort(), raw);
  }
  for (const n of names) assert.equal(await getText(store, n), `body of ${n}`);
  await store.delete(archiveFileName('a/b', at));
  assert.ok(!(await store.list()).some((o) => o.name === archiveFileName('a/b', at)));
  assert.equal((await store.list()).length, names.length - 1);
});
