// A backup on two connections in one snapshot (BackupOptions.readers, Db.snapshotSessions): the large tables' server
// digests come from a digest query on the second connection while the first streams the rows. The archive must be
// the one a single reader writes, byte for byte in its rows and digit for digit in its digests, and the sessions
// must read one point in time, or be one session where the engine or the login cannot promise that.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchInsert, connectDb, type Db, type DbSession } from '../../src/db/index.ts';
import { migrate } from '../../src/platform/schema/migrate.ts';
import { seedDatabase } from '../../src/platform/seed/seed-database.ts';
import { backupTenant, DEFAULT_CONFIG, restoreTenant, verifyArchive } from '../../src/backup/index.ts';
import type { Manifest } from '../../src/backup/archive/manifest.ts';
import { BATCH_ROWS } from '../../src/backup/dump-table.ts';
import {
  createLeastPrivilegeDatabase,
  createTempDatabase,
  ENGINES,
  skipReason,
  type TempDatabase,
} from '../helpers/test-databases.ts';
import { sql } from './backup-fixtures.ts';

/** `db`, recording how many sessions each snapshotSessions call handed out. */
function counting(db: Db, given: number[]): Db {
  if (!db.snapshotSessions) return db;
  const inner = db.snapshotSessions.bind(db);
  return Object.create(db, {
    snapshotSessions: {
      value: <T>(n: number, fn: (s: DbSession[]) => Promise<T>, o?: { snapshotId?: string }) =>
        inner(n, (ss) => (given.push(ss.length), fn(ss)), o),
    },
  }) as Db;
}

/** What an archive records of each table's rows: the same for any number of readers. */
const tablesOf = (m: Manifest) => m.tables.map((t) => [t.name, t.rows, t.sha256, t.serverDigest]);

async function seeded(tmp: TempDatabase, url = tmp.url): Promise<Db> {
  const admin = await connectDb(tmp.url);
  await migrate(admin);
  await seedDatabase(admin, { tenants: 2, rows: 2000, skew: 'uniform', seed: 3 });
  // One table of more than a batch (BATCH_ROWS): its digest is taken on the side connection. Values with quotes,
  // separators and NULLs, which the server's row hash must keep apart.
  const rows = Array.from({ length: BATCH_ROWS + 500 }, (_, i) => [
    500_000 + i,
    1,
    i % 3 ? `e'v,${i}\t"` : '',
    i % 7 ? `{"k": ${i}}` : null,
    '2026-01-01 00:00:00.123456',
  ]);
  await batchInsert(
    admin,
    admin.dialect,
    'analytics_event',
    ['id', 'tenant_id', 'name', 'properties', 'occurred_at'],
    rows,
  );
  await admin.close();
  return connectDb(url, { values: 'text', poolMax: 4 });
}

for (const engine of ENGINES) {
  describe(`backup readers [${engine}]`, async () => {
    const skip = await skipReason(engine);
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-readers-'));
    let tmp: TempDatabase;
    let db: Db;
    before(async () => {
      if (skip) return;
      tmp = await createTempDatabase(engine);
      db = await seeded(tmp);
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (skip) return;
      await db.close();
      await tmp.drop();
    });

    test('two readers write the archive one reader writes, and a restore settles it by digest', { skip }, async () => {
      const given: number[] = [];
      const one = await backupTenant(db, {
        tenantId: '1',
        config: DEFAULT_CONFIG,
        out: join(dir, '1.tnt'),
        readers: 1,
      });
      const two = await backupTenant(counting(db, given), {
        tenantId: '1',
        config: DEFAULT_CONFIG,
        out: join(dir, '2.tnt'),
        readers: 2,
      });
      assert.ok(
        one.manifest.tables.some((t) => t.rows > BATCH_ROWS),
        'the fixture has a table of more than one batch',
      );
      assert.deepEqual(given, db.snapshotSessions ? [2] : [], 'two sessions where the engine shares a snapshot');
      assert.deepEqual(tablesOf(two.manifest), tablesOf(one.manifest));
      assert.deepEqual(tablesOf(await verifyArchive(join(dir, '2.tnt'))), tablesOf(one.manifest));
      const r = await restoreTenant(db, { archive: join(dir, '2.tnt'), safetyDir: join(dir, 'safety'), dryRun: true });
      assert.equal(r.written, 0);
      assert.deepEqual(
        r.tables.filter((t) => t.comparedBy !== 'server-digest').map((t) => t.table),
        [],
      );
    });

    test('a change committed meanwhile is in neither session, and both count the same rows', { skip }, async () => {
      if (!db.snapshotSessions) return;
      const writer = await connectDb(tmp.url);
      let stop = false;
      let next = 1_000_000;
      const insert = sql(
        writer,
        "INSERT INTO `analytics_event` (`id`, `tenant_id`, `name`, `occurred_at`) VALUES (?, 2, 'w', '2026-01-01 00:00:00')",
      );
      const bound = writer.dialect.name === 'mysql' ? insert : insert.replace('?', '$1');
      // Commits as fast as one connection can while the sessions open: two snapshots taken a moment apart would
      // count different rows.
      const writing = (async () => {
        while (!stop) await writer.execute(bound, [next++]);
      })();
      try {
        const q = sql(db, 'SELECT COUNT(*) AS n FROM `analytics_event`');
        for (let i = 0; i < 15; i++) {
          const counts: number[] = await db.snapshotSessions(2, async (ss) => {
            assert.equal(ss.length, 2);
            // Read after the opening, while the writer goes on: each session still sees its snapshot's rows.
            await new Promise((r) => setTimeout(r, 5));
            return Promise.all(ss.map(async (s) => Number((await s.query<{ n: unknown }>(q))[0]!.n)));
          });
          assert.equal(counts[0], counts[1], `attempt ${i}: ${counts.join(' vs ')}`);
        }
      } finally {
        stop = true;
        await writing;
        await writer.close();
      }
    });
  });
}

describe('backup readers without RELOAD [mysql]', async () => {
  const skip = await skipReason('mysql');
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-readers-lp-'));
  let lp: Awaited<ReturnType<typeof createLeastPrivilegeDatabase>>;
  let db: Db;
  before(async () => {
    if (skip) return;
    lp = await createLeastPrivilegeDatabase('mysql');
    db = await seeded(lp, lp.restricted);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (skip) return;
    await db.close();
    await lp.drop();
  });

  test('a login without RELOAD reads on one connection, and the archive is the same', { skip }, async () => {
    const given: number[] = [];
    const two = await backupTenant(counting(db, given), {
      tenantId: '1',
      config: DEFAULT_CONFIG,
      out: join(dir, '2.tnt'),
      readers: 2,
    });
    assert.deepEqual(given, [1], 'BACKUP STAGE is denied: one session, not two at different points');
    const one = await backupTenant(db, { tenantId: '1', config: DEFAULT_CONFIG, out: join(dir, '1.tnt'), readers: 1 });
    assert.deepEqual(tablesOf(two.manifest), tablesOf(one.manifest));
  });

  test(
    'a pool without room for the lock and two snapshots gives one session, without waiting on itself',
    { skip },
    async () => {
      const small = await connectDb(lp.url, { values: 'text', poolMax: 2 });
      try {
        assert.equal(await small.snapshotSessions!(2, async (ss) => ss.length), 1);
      } finally {
        await small.close();
      }
    },
  );
});
