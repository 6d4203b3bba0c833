// [restore-exact] The check before COMMIT follows the writes (verify-restore.ts, 3cf4e47): a table nothing wrote
// or reached is not summed again, on the grounds that under the restore's lock only the restore writes. Each case
// here is a way that ground could give: the restore either ends with the tenant equal to the archive or fails
// with TENANTOPS_E_VERIFY_FAILED, having changed nothing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectDb } from '../../src/db/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { backupTenant, restoreTenant, tenantDigest, validateConfig } from '../../src/backup/index.ts';
import { run, twoTenantTables, withDatabase, writesWithinASecond } from './exact-harness.ts';

const ORGS = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });

// MariaDB locks by reading: a table whose digest was taken on the planner's second connection is read without the
// restore's lock, and is locked afterwards only when some table of the scope differs. A restore that writes only a
// shared parent row (--include-parents) leaves those tables unlocked, so a writer of the tenant gets through
// before COMMIT; the check must then sum them again, as it did before 3cf4e47.
withDatabase(
  'mysql',
  'a restore that only puts back a shared parent row still catches a writer of the tenant [mysql]',
  async (db, dir, url) => {
    const app = await connectDb(url);
    // Enough tables that the second connection sums some of them.
    const tables = Array.from({ length: 10 }, (_, i) => `t${i + 1}`);
    try {
      await run(db, [
        'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
        'CREATE TABLE films (id BIGINT PRIMARY KEY, title VARCHAR(20) NOT NULL)',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO films VALUES (10, 'shared')",
        // One table references the shared row (an archive lists a parent table once per table referencing it).
        ...tables.flatMap((x) => [
          `CREATE TABLE ${x} (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, film_id BIGINT NOT NULL, v VARCHAR(20),
           FOREIGN KEY (org_id) REFERENCES orgs (id)${x === 't1' ? ', FOREIGN KEY (film_id) REFERENCES films (id)' : ''})`,
          `INSERT INTO ${x} VALUES (1, 1, 10, 'a'), (2, 1, 10, 'b'), (3, 2, 10, 'u')`,
        ]),
      ]);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: ORGS, out, includeParents: true });
      const archived = await tenantDigest(db, ORGS, '1');
      // The shared row goes (checks off, as a careless script would); the tenant's own rows are untouched.
      await app.session(async (s) => {
        await s.execute('SET SESSION foreign_key_checks = 0');
        await s.execute('DELETE FROM films WHERE id = 10');
        await s.execute('SET SESSION foreign_key_checks = 1');
      });
      const changed: string[] = [];
      let failed: unknown;
      try {
        const r = await restoreTenant(db, {
          archive: out,
          safetyDir: join(dir, 's'),
          checkpoint: async (name) => {
            if (name !== 'after-safety-backup') return;
            // The application writes what it can; a table the restore holds makes it wait a second and give up.
            await Promise.all(
              tables.map(async (x) => {
                if (await writesWithinASecond(app, `UPDATE ${x} SET v = 'moved on' WHERE id = 1`)) changed.push(x);
              }),
            );
          },
        });
        assert.equal(r.written, 1, 'the plan writes the shared row only');
      } catch (e) {
        failed = e;
      }
      assert.ok(changed.length > 0, 'a table summed on the second connection was written');
      if (failed) {
        assert.ok(failed instanceof TenantopsError, (failed as Error).stack);
        assert.equal(failed.code, 'TENANTOPS_E_VERIFY_FAILED', failed.message);
        const films = await app.query('SELECT id FROM films');
        assert.equal(films.length, 0, 'rolled back: the shared row is still missing');
      } else {
        assert.deepEqual(
          await tenantDigest(db, ORGS, '1'),
          archived,
          `the tenant is the archive (written: ${changed})`,
        );
      }
    } finally {
      await app.close();
    }
  },
);

// A MariaDB server whose default isolation is READ COMMITTED (a common setting) takes no gap locks: the restore's
// locking reads would hold the tenant's rows but not the room between them, so a writer could insert a row of the
// tenant into a table the restore did not write, which the check no longer sums again (3cf4e47). The restore's
// transaction is REPEATABLE READ whatever the session's default (TransactionOptions.locking): the writer waits.
withDatabase(
  'mysql',
  'under a READ COMMITTED default, a writer of the tenant still waits for the restore [mysql]',
  async (setup, dir, url) => {
    // A pool of four, so that every connection of it can be set to READ COMMITTED below.
    const db = await connectDb(url, { values: 'text', poolMax: 4 });
    const app = await connectDb(url);
    const tables = ['t1', 't2', 't3'];
    try {
      await run(setup, twoTenantTables(tables));
      const out = join(dir, 't1.tnt');
      await backupTenant(setup, { tenantId: '1', config: ORGS, out });
      const archived = await tenantDigest(setup, ORGS, '1');
      await run(setup, ["UPDATE t1 SET v = 'damaged' WHERE id = 1"]);
      // Every connection of the restore's pool reads committed, as on a server configured so.
      const held: Promise<void>[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let ready = 0;
      const allSet = new Promise<void>((r) => {
        for (let i = 0; i < 4; i++)
          held.push(
            db.session(async (s) => {
              await s.execute('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
              if (++ready === 4) r();
              await gate;
            }),
          );
      });
      await allSet;
      release();
      await Promise.all(held);
      const changed: string[] = [];
      await restoreTenant(db, {
        archive: out,
        safetyDir: join(dir, 's'),
        checkpoint: async (name) => {
          if (name !== 'after-safety-backup') return;
          for (const x of tables.slice(1))
            if (await writesWithinASecond(app, `INSERT INTO ${x} VALUES (9, 1, 'late')`)) changed.push(x);
        },
      });
      // The gaps were locked: every insert waited its second and gave up; the restore committed the archive.
      assert.deepEqual(changed, [], 'no insert got past the restore');
      assert.deepEqual(await tenantDigest(db, ORGS, '1'), archived);
    } finally {
      await app.close();
      await db.close();
    }
  },
);

// A PostgreSQL database whose default isolation is REPEATABLE READ would give the restore the snapshot of its first
// query, taken before LOCK TABLE was granted: a writer that committed while the restore waited for the lock stayed
// invisible to it, and its row outlived the restore. The restore's transaction reads committed
// (TransactionOptions.locking), so after the lock it sees that row, and takes it out.
withDatabase(
  'postgres',
  'under a REPEATABLE READ default, a row committed while the restore waited for its lock is restored away [postgres]',
  async (setup, dir, url) => {
    const name = new URL(url).pathname.slice(1);
    await run(setup, [
      'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
      'INSERT INTO orgs VALUES (1), (2)',
      'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20))',
      "INSERT INTO items VALUES (1, 1, 'a'), (2, 2, 'u')",
      `ALTER DATABASE "${name}" SET default_transaction_isolation = 'repeatable read'`,
    ]);
    const out = join(dir, 't1.tnt');
    await backupTenant(setup, { tenantId: '1', config: ORGS, out });
    const archived = await tenantDigest(setup, ORGS, '1');
    // Connections opened from here on take the database's default.
    const db = await connectDb(url, { values: 'text' });
    const app = await connectDb(url);
    try {
      let commit!: () => void;
      const committed = new Promise<void>((r) => (commit = r));
      const writer = app.transaction(async (s) => {
        await s.execute("INSERT INTO items VALUES (3, 1, 'late')");
        await committed;
      });
      // The writer holds its table lock; the restore reads the catalogs, then waits for LOCK TABLE.
      const restoring = restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      await new Promise((r) => setTimeout(r, 500));
      commit();
      await writer;
      const r = await restoring;
      assert.equal(r.tables.find((x) => x.table === 'items')!.delete, 1, 'the late row was seen and taken out');
      assert.deepEqual(await tenantDigest(db, ORGS, '1'), archived);
    } finally {
      await app.close();
      await db.close();
    }
  },
);

// A trigger (PostgreSQL: a rule DO ALSO, which checkTriggers counts as one) on the written table changes another
// table of the tenant that nothing else writes or references: every table counts as reached and is summed again.
// (PGlite runs the same code as PostgreSQL here, at ten times the cost of starting.)
for (const engine of ['mysql', 'postgres'] as const) {
  withDatabase(
    engine,
    `a rule or trigger on the written table reaches a table nothing writes [${engine}]`,
    async (db, dir) => {
      const fire = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' }, triggers: 'fire' });
      await run(db, [
        'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
        'CREATE TABLE counters (org_id BIGINT PRIMARY KEY, n INT NOT NULL)',
        'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20))',
        'INSERT INTO orgs VALUES (1), (2)',
        'INSERT INTO counters VALUES (1, 0), (2, 0)',
        "INSERT INTO items VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'u')",
        db.dialect.name === 'mysql'
          ? 'CREATE TRIGGER items_count AFTER UPDATE ON items FOR EACH ROW UPDATE counters SET n = n + 1 WHERE org_id = NEW.org_id'
          : 'CREATE RULE items_count AS ON UPDATE TO items DO ALSO UPDATE counters SET n = n + 1 WHERE org_id = NEW.org_id',
      ]);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: fire, out });
      // The damage bumps the counter too; the archive's value is put back, and the restore's own update bumps it.
      await run(db, ["UPDATE items SET v = 'damaged' WHERE id = 1"]);
      const before = await tenantDigest(db, fire, '1');
      await assert.rejects(
        restoreTenant(db, { archive: out, safetyDir: join(dir, 's') }),
        (e: unknown) =>
          e instanceof TenantopsError && e.code === 'TENANTOPS_E_VERIFY_FAILED' && /counters/.test(e.message),
      );
      assert.deepEqual(await tenantDigest(db, fire, '1'), before, 'rolled back');
    },
  );
}
