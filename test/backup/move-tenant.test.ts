import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, tenantDigest, DEFAULT_CONFIG } from '../../src/backup/index.ts';
import { migrate } from '../../src/platform/schema/migrate.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { createTempDatabase, skipReason } from '../helpers/test-databases.ts';
import { seededFixture } from './backup-fixtures.ts';

test('a tenant moves from embedded PGlite to a PostgreSQL server, and is refused by MariaDB', async (t) => {
  const why = (await skipReason('postgres')) || (await skipReason('mysql'));
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-move-'));
  const src = await seededFixture('pglite', false);
  const pgTmp = await createTempDatabase('postgres');
  const myTmp = await createTempDatabase('mysql');
  const pg = await connectDb(pgTmp.url, { values: 'text' });
  const my = await connectDb(myTmp.url, { values: 'text' });
  try {
    const out = join(dir, 't3.tnt');
    await backupTenant(src.db, { tenantId: '3', config: DEFAULT_CONFIG, out });
    await migrate(pg);
    await migrate(my);
    await restoreTenant(pg, { archive: out, safetyDir: join(dir, 'safety') });
    assert.deepEqual(await tenantDigest(pg, DEFAULT_CONFIG, '3'), await tenantDigest(src.db, DEFAULT_CONFIG, '3'));
    await assert.rejects(
      restoreTenant(my, { archive: out, safetyDir: join(dir, 'safety') }),
      (e: unknown) =>
        e instanceof TenantopsError && e.code === 'TENANTOPS_E_SCHEMA_MISMATCH' && /pglite/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await pg.close();
    await my.close();
    await src.close();
    await pgTmp.drop();
    await myTmp.drop();
  }
});
