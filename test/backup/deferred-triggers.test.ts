// A deferred constraint trigger let fire (triggers: 'fire') runs, left to itself, at COMMIT: after the restore's
// verification, so a trigger that rewrites a restored row would leave the committed tenant unlike the archive with
// nothing said. The restore fires every deferred event before it verifies: the change is seen and refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { exactDigest, run, withDatabase } from './exact-harness.ts';

const ORGS = { tenant: { table: 'orgs', key: 'id', column: 'org_id' } };
const TABLES = ['orgs', 'items'];

for (const engine of ['postgres', 'pglite'] as const) {
  withDatabase(
    engine,
    `a deferred constraint trigger that rewrites a restored row fails verification, and nothing is written [${engine}]`,
    async (db, dir) => {
      await run(db, [
        'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
        'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20))',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO items VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'u')",
        // Upper-cases the row it fired for; its own UPDATE fires it again, which the guard makes a no-op.
        'CREATE FUNCTION upper_v() RETURNS trigger AS $$ BEGIN UPDATE items SET v = upper(v) WHERE id = NEW.id AND v <> upper(v); RETURN NULL; END $$ LANGUAGE plpgsql',
        'CREATE CONSTRAINT TRIGGER upper_v AFTER INSERT OR UPDATE ON items DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION upper_v()',
      ]);
      const config = validateConfig(ORGS);
      const out = join(dir, 't1.tnt');
      const safetyDir = join(dir, 'safety');
      await backupTenant(db, { tenantId: '1', config, out });
      const backedUp = await exactDigest(db, TABLES);
      await run(db, ["UPDATE items SET v = 'damaged' WHERE id = 1"]);
      const rows = await db.query<{ v: string }>('SELECT v FROM items WHERE id = 1');
      assert.equal(rows[0]!.v, 'DAMAGED', 'the trigger fires at COMMIT of the damage');
      const before = await exactDigest(db, TABLES);

      const fire = validateConfig({ ...ORGS, triggers: 'fire' });
      await assert.rejects(
        restoreTenant(db, { archive: out, safetyDir, config: fire }),
        (e: unknown) =>
          e instanceof TenantopsError && e.code === 'TENANTOPS_E_VERIFY_FAILED' && /items/.test(e.message),
      );
      assert.deepEqual(await exactDigest(db, TABLES), before, 'every row as before the restore');

      // By default a superuser's restore (PostgreSQL, PGlite) skips the triggers: the tenant is as backed up.
      const r = await restoreTenant(db, { archive: out, safetyDir });
      assert.equal(r.written, 1);
      assert.ok(
        r.notes.some((n) => /skipped.*items\.upper_v/.test(n)),
        r.notes.join('; '),
      );
      assert.deepEqual(await exactDigest(db, TABLES), backedUp, 'restored exactly, the trigger skipped');
    },
  );
}

test(
  'a deferred constraint trigger that rewrites a restored row [mysql]',
  {
    skip: 'MariaDB has no deferred triggers: its triggers run within their statement, before verification',
  },
  () => {},
);
