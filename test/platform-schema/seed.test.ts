import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDb, type Db } from '../../src/db/index.ts';
import { migrate, platformTableNames } from '../../src/platform/schema/migrate.ts';
import { seedDatabase } from '../../src/platform/seed/seed-database.ts';
import { tenantSizes } from '../../src/platform/seed/tenant-sizes.ts';
import { PLATFORM_TABLES } from '../../src/platform/schema/platform-tables.ts';
import { ENGINES, createTempDatabase, skipReason, type TempDatabase } from '../helpers/test-databases.ts';
import { snapshotTables } from '../helpers/table-snapshot.ts';

const OPTS = { tenants: 6, rows: 300, skew: 'zipf' as const, seed: 42 };

test('tenant sizes add up and zipf makes the first tenant several times the median', () => {
  const z = tenantSizes(10, 10000, 'zipf');
  assert.equal(
    z.reduce((a, b) => a + b, 0),
    10000,
  );
  assert.ok(z[0]! > 3 * z[5]!, `zipf head ${z[0]} vs ${z[5]}`);
  const u = tenantSizes(4, 1000, 'uniform');
  assert.deepEqual(u, [250, 250, 250, 250]);
});

for (const engine of ENGINES) {
  describe(`db seed [${engine}]`, async () => {
    const skip = await skipReason(engine);
    const tmps: TempDatabase[] = [];
    const dbs: Db[] = [];
    before(async () => {
      if (skip) return;
      for (let i = 0; i < 2; i++) {
        const t = await createTempDatabase(engine);
        tmps.push(t);
        const db = await connectDb(t.url, { values: 'text' });
        dbs.push(db);
        await migrate(db);
        await seedDatabase(db, OPTS);
      }
    });
    after(async () => {
      for (const d of dbs) await d.close();
      for (const t of tmps) await t.drop();
    });

    test('the same arguments give byte-identical rows in every table', { skip }, async () => {
      const a = await snapshotTables(dbs[0]!, platformTableNames());
      const b = await snapshotTables(dbs[1]!, platformTableNames());
      assert.deepEqual(a, b);
    });

    test('every tenant table gets rows, and field tables get several deltas per entity', { skip }, async () => {
      const db = dbs[0]!;
      for (const t of PLATFORM_TABLES.filter((x) => !['config', 'cache_default', 'watchdog'].includes(x.name))) {
        const n = Number((await db.query(`SELECT COUNT(*) AS n FROM ${db.dialect.quoteIdent(t.name)}`))[0]!.n);
        assert.ok(n > 0, `${t.name} has rows`);
      }
      const deltas = await db.query(
        `SELECT entity_id, COUNT(*) AS n FROM ${db.dialect.quoteIdent('email_subscriber__lists')} GROUP BY entity_id`,
      );
      assert.ok(deltas.every((r) => Number(r.n) >= 2));
    });

    // The second seed drew the first one's uuids and API keys again and failed on uq_groups_uuid; and progress came
    // every five tenants, so a seed of a few large tenants showed nothing until its end.
    test('seeding twice adds tenants, with progress after each tenant', { skip }, async () => {
      const t = await createTempDatabase(engine);
      const db = await connectDb(t.url, { values: 'text' });
      try {
        await migrate(db);
        const figures: number[] = [];
        const one = await seedDatabase(db, { ...OPTS, onProgress: (done) => figures.push(done) });
        assert.equal(figures.length, OPTS.tenants);
        const two = await seedDatabase(db, OPTS);
        const ids = [...one.tenants, ...two.tenants].map((x) => x.id);
        assert.equal(new Set(ids).size, 2 * OPTS.tenants);
        assert.equal(new Set([...one.tenants, ...two.tenants].map((x) => x.apiKey)).size, 2 * OPTS.tenants);
        const n = await db.query(`SELECT COUNT(*) AS n FROM ${db.dialect.quoteIdent('tenant')}`);
        assert.equal(Number(n[0]!.n), 2 * OPTS.tenants);
      } finally {
        await db.close();
        await t.drop();
      }
    });

    test('the requested row count holds within 15% and sizes follow the skew', { skip }, async () => {
      const db = dbs[0]!;
      let total = 0;
      const perTenant = new Map<string, number>();
      for (const t of ['crm_company', 'crm_contact', 'crm_opportunity', 'crm_activity', 'analytics_event']) {
        for (const r of await db.query(
          `SELECT tenant_id, COUNT(*) AS n FROM ${db.dialect.quoteIdent(t)} GROUP BY tenant_id`,
        )) {
          perTenant.set(String(r.tenant_id), (perTenant.get(String(r.tenant_id)) ?? 0) + Number(r.n));
        }
      }
      for (const t of PLATFORM_TABLES.filter((x) => !x.global)) {
        total += Number((await db.query(`SELECT COUNT(*) AS n FROM ${db.dialect.quoteIdent(t.name)}`))[0]!.n);
      }
      const want = OPTS.tenants * OPTS.rows;
      assert.ok(Math.abs(total - want) / want < 0.15, `total tenant rows ${total} vs ${want}`);
      const sizes = [...perTenant.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map((e) => e[1]);
      assert.ok(sizes[0]! > 2 * sizes[sizes.length - 1]!, `zipf: first tenant ${sizes[0]} vs last ${sizes.at(-1)}`);
    });
  });
}
