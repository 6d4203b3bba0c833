import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDb, type Db } from '../../src/db/index.ts';
import { migrate, platformTableNames } from '../../src/platform/schema/migrate.ts';
import { ENGINES, createTempDatabase, skipReason, type TempDatabase } from '../helpers/test-databases.ts';

async function countForeignKeys(db: Db): Promise<number> {
  // information_schema is standard on both engines; table_schema differs (database vs search_path schema).
  const rows = await db.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM information_schema.table_constraints WHERE constraint_type = 'FOREIGN KEY' AND table_schema = ${db.dialect.name === 'mysql' ? 'DATABASE()' : 'current_schema()'}`,
  );
  return Number(rows[0]!.n);
}

for (const engine of ENGINES) {
  for (const foreignKeys of [false, true]) {
    describe(`db migrate [${engine}${foreignKeys ? ', --foreign-keys' : ''}]`, async () => {
      const skip = await skipReason(engine);
      let tmp: TempDatabase;
      let db: Db;
      before(async () => {
        if (skip) return;
        tmp = await createTempDatabase(engine);
        db = await connectDb(tmp.url);
      });
      after(async () => {
        if (skip) return;
        await db.close();
        await tmp.drop();
      });

      test('applies from empty, then is a no-op the second time', { skip }, async () => {
        const first = await migrate(db, { foreignKeys });
        assert.deepEqual(
          first.applied,
          foreignKeys ? ['0001_platform_schema', '0002_foreign_keys'] : ['0001_platform_schema'],
        );
        const second = await migrate(db, { foreignKeys });
        assert.deepEqual(second.applied, []);
        assert.equal(second.alreadyApplied.length, first.applied.length);
        for (const t of platformTableNames()) {
          const rows = await db.query(`SELECT COUNT(*) AS n FROM ${db.dialect.quoteIdent(t)}`);
          assert.equal(Number(rows[0]!.n), 0, `${t} exists and is empty`);
        }
        const fks = await countForeignKeys(db);
        if (foreignKeys) assert.ok(fks > 20, `expected declared foreign keys, found ${fks}`);
        else assert.equal(fks, 0, 'the default schema declares no foreign keys, like Drupal');
      });

      test('field tables have no tenant_id and tenant tables index theirs', { skip }, async () => {
        const cols = await db.query<{ table_name: string; column_name: string }>(
          `SELECT table_name AS table_name, column_name AS column_name FROM information_schema.columns WHERE table_schema = ${db.dialect.name === 'mysql' ? 'DATABASE()' : 'current_schema()'}`,
        );
        const has = (t: string, c: string) => cols.some((r) => r.table_name === t && r.column_name === c);
        assert.ok(!has('social_post__accounts', 'tenant_id'));
        assert.ok(has('social_post__accounts', 'accounts_target_id'));
        assert.ok(has('crm_opportunity', 'tenant_id'));
        assert.ok(has('group_relationship_field_data', 'gid'));
        assert.ok(has('tenant_field_data', 'group_id'));
      });
    });
  }
}
