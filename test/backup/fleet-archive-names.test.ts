// [fleet] Archive names are to the second: a run that comes within the second of the one before (a tiny fleet,
// a script running two backups back to back) must not write over the earlier run's archive of a tenant, which
// that run's index still names with its own SHA-256. Until 2026-12-07 it did, and the earlier archive was lost
// while prune and `backups list --verify` called the file that replaced it damaged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb } from '../../src/db/index.ts';
import {
  backupAllTenants,
  LocalDirStore,
  listArchives,
  validateConfig,
  verifyListedArchive,
} from '../../src/backup/index.ts';
import { createTempDatabase } from '../helpers/test-databases.ts';

const CONFIG = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });

test('two runs within one second write separate archives, each still the one its index names', async () => {
  const tmp = await createTempDatabase('pglite');
  const db = await connectDb(tmp.url, { values: 'text' });
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-fleet-names-'));
  try {
    await db.execute('CREATE TABLE orgs (id BIGINT PRIMARY KEY)');
    await db.execute('CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v TEXT)');
    await db.execute('INSERT INTO orgs VALUES (1), (2)');
    await db.execute("INSERT INTO items VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 2, 'c')");
    // Every tenant of both runs backed up "at" the same instant.
    const now = () => new Date('2025-03-01T02:00:00.250Z');
    const first = await backupAllTenants(db, { config: CONFIG, outDir: dir, now, resumeWithinHours: 0 });
    await db.execute("UPDATE items SET v = 'changed' WHERE org_id = 2");
    const second = await backupAllTenants(db, { config: CONFIG, outDir: dir, now, resumeWithinHours: 0 });
    const files = (r: typeof first) => r.ran.map((t) => t.file!).sort();
    assert.deepEqual(files(first), ['tenant-1-20250301T020000Z.tnt', 'tenant-2-20250301T020000Z.tnt']);
    assert.deepEqual(files(second), ['tenant-1-20250301T020001Z.tnt', 'tenant-2-20250301T020001Z.tnt']);

    const store = new LocalDirStore(dir);
    const list = await listArchives(store);
    assert.equal(list.length, 4);
    for (const a of list) assert.deepEqual(await verifyListedArchive(store, a, undefined), { result: 'ok' }, a.file);
  } finally {
    await db.close();
    await tmp.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
