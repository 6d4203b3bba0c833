import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb, type Db } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig, verifyArchive } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { createTempDatabase, ENGINES, skipReason, type TempDatabase } from '../helpers/test-databases.ts';
import { snapshotTables } from '../helpers/table-snapshot.ts';
import { seededFixture, snapshotAll, sql, type Fixture } from './backup-fixtures.ts';
import { run, withDatabase } from './exact-harness.ts';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;
const code = (c: string) => (e: unknown) => e instanceof TenantopsError && e.code === c;

test('config errors name their path', () => {
  assert.throws(
    () => validateConfig({ tables: { rental: { parent: 3 } } }),
    /tables\.rental\.parent: must be a non-empty string/,
  );
  assert.throws(
    () => validateConfig({ relations: [{ from: 'a', to: 'b.c' }] }),
    /relations\[0\]\.from: "a" must look like table\.column/,
  );
  assert.throws(() => validateConfig({ preset: 'wordpress' }), /preset: unknown preset/);
  assert.throws(() => validateConfig({ tables: { x: { where: 'owner = 1' } } }), /tables\.x\.where: must use :tenant/);
  assert.throws(() => validateConfig({ bogus: 1 }), /bogus: unknown key/);
  assert.equal(validateConfig({ preset: 'drupal' }).tenant.table, 'groups');
});

// A schema that is not Drupal: its own tenant table, a NOT NULL FK cycle between two tenant tables, a child table
// reached only through a declared FK, and shared rows outside the scope.
const CYCLE_SCHEMA = [
  'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY, `name` VARCHAR(50) NOT NULL)',
  'CREATE TABLE `films` (`id` BIGINT PRIMARY KEY, `title` VARCHAR(50) NOT NULL)',
  'CREATE TABLE `teams` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `lead_id` BIGINT NOT NULL)',
  'CREATE TABLE `people` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `team_id` BIGINT NOT NULL, `film_id` BIGINT NULL)',
  'CREATE TABLE `badges` (`id` BIGINT PRIMARY KEY, `person_id` BIGINT NOT NULL, `label` VARCHAR(50) NOT NULL)',
];
const CYCLE_FKS = [
  ['teams', 'lead_id', 'people'],
  ['people', 'team_id', 'teams'],
  ['badges', 'person_id', 'people'],
  ['people', 'film_id', 'films'],
  ['teams', 'org_id', 'orgs'],
  ['people', 'org_id', 'orgs'],
];

async function createCycleSchema(db: Db): Promise<void> {
  for (const s of CYCLE_SCHEMA) await db.execute(sql(db, s));
  for (const [t, c, r] of CYCLE_FKS) {
    const deferrable = db.dialect.name === 'mysql' ? '' : ' DEFERRABLE INITIALLY IMMEDIATE';
    await db.execute(
      sql(
        db,
        `ALTER TABLE \`${t}\` ADD CONSTRAINT \`fk_${t}_${c}\` FOREIGN KEY (\`${c}\`) REFERENCES \`${r}\` (\`id\`)${deferrable}`,
      ),
    );
  }
}

for (const engine of ENGINES) {
  describe(`restore edge cases [${engine}]`, async () => {
    const skip = await skipReason(engine);
    let tmp: TempDatabase;
    let db: Db;
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-edge-'));
    const config = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
    before(async () => {
      if (skip) return;
      tmp = await createTempDatabase(engine);
      db = await connectDb(tmp.url, { values: 'text' });
      await createCycleSchema(db);
      await db.transaction(async (s) => {
        if (db.dialect.name === 'mysql') await s.execute('SET foreign_key_checks = 0');
        else await s.execute('SET CONSTRAINTS ALL DEFERRED');
        await s.execute(sql(db, "INSERT INTO `orgs` VALUES (1, 'one'), (2, 'two')"));
        await s.execute(sql(db, "INSERT INTO `films` VALUES (10, 'Shared film')"));
        await s.execute(sql(db, 'INSERT INTO `teams` VALUES (100, 1, 1000), (200, 2, 2000)'));
        await s.execute(
          sql(db, 'INSERT INTO `people` VALUES (1000, 1, 100, 10), (1001, 1, 100, NULL), (2000, 2, 200, 10)'),
        );
        await s.execute(sql(db, "INSERT INTO `badges` VALUES (1, 1000, 'gold'), (2, 2000, 'silver')"));
        if (db.dialect.name === 'mysql') await s.execute('SET foreign_key_checks = 1');
      });
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (skip) return;
      await db.close();
      await tmp.drop();
    });
    const tables = ['orgs', 'films', 'teams', 'people', 'badges'];

    test('a tenant deleted entirely, with a NOT NULL FK cycle, restores exactly', { skip }, async () => {
      const before = await snapshotTables(db, tables);
      const out = join(dir, 'org1.tnt');
      const b = await backupTenant(db, { tenantId: '1', config, out });
      assert.equal(b.manifest.tables.find((t) => t.name === 'badges')!.rows, 1, 'badges reached through people by FK');
      assert.deepEqual(
        b.manifest.external.find((e) => e.to === 'films')!.keys,
        [['10']],
        'shared film listed, not copied',
      );
      await db.transaction(async (s) => {
        if (db.dialect.name === 'mysql') await s.execute('SET foreign_key_checks = 0');
        else await s.execute('SET CONSTRAINTS ALL DEFERRED');
        await s.execute(sql(db, 'DELETE FROM `badges` WHERE `person_id` IN (1000, 1001)'));
        await s.execute(sql(db, 'DELETE FROM `people` WHERE `org_id` = 1'));
        await s.execute(sql(db, 'DELETE FROM `teams` WHERE `org_id` = 1'));
        await s.execute(sql(db, 'DELETE FROM `orgs` WHERE `id` = 1'));
        if (db.dialect.name === 'mysql') await s.execute('SET foreign_key_checks = 1');
      });
      await restoreTenant(db, { archive: out, safetyDir: join(dir, 'safety') });
      assert.deepEqual(await snapshotTables(db, tables), before);
    });

    test('a missing shared row is refused unless the archive carries it (--include-parents)', { skip }, async () => {
      const out = join(dir, 'org2.tnt');
      const withParents = join(dir, 'org2p.tnt');
      await backupTenant(db, { tenantId: '2', config, out });
      await backupTenant(db, { tenantId: '2', config, out: withParents, includeParents: true });
      assert.ok((await verifyArchive(withParents)).tables.some((t) => t.name === 'films' && t.role === 'parent'));
      // Move tenant 2 to a fresh database that lacks the shared film.
      const other = await createTempDatabase(engine);
      const db2 = await connectDb(other.url, { values: 'text' });
      try {
        await createCycleSchema(db2);
        await db2.execute(sql(db2, "INSERT INTO `orgs` VALUES (2, 'two')"));
        await assert.rejects(
          restoreTenant(db2, { archive: out, safetyDir: join(dir, 'safety') }),
          code('TENANTOPS_E_MISSING_PARENTS'),
        );
        await restoreTenant(db2, { archive: withParents, safetyDir: join(dir, 'safety') });
        const teams = await db2.query(sql(db2, 'SELECT `id`, `org_id`, `lead_id` FROM `teams`'));
        assert.deepEqual(
          teams.map((r) => [String(r.id), String(r.org_id), String(r.lead_id)]),
          [['200', '2', '2000']],
        );
        const films = await db2.query(sql(db2, 'SELECT `title` FROM `films`'));
        assert.deepEqual(
          films.map((r) => r.title),
          ['Shared film'],
        );
        const people = await db2.query(sql(db2, 'SELECT COUNT(*) AS n FROM `people`'));
        assert.equal(Number(people[0]!.n), 1);
      } finally {
        await db2.close();
        await other.drop();
      }
    });
  });
}

// kill -9 of the CLI at several points of a restore leaves the database exactly as it was. PGlite is excluded: it is
// an in-process database, so killing the process is a crash of the database itself, not of a client.
for (const engine of ['mysql', 'postgres'] as const) {
  describe(`kill -9 during restore [${engine}]`, async () => {
    const skip = await skipReason(engine);
    let f: Fixture;
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-kill-'));
    before(async () => {
      if (!skip) f = await seededFixture(engine, true);
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (!skip) await f.close();
    });
    for (const point of ['after-safety-backup', 'after-delete', 'during-insert', 'before-commit']) {
      test(`killed at ${point}: nothing changed`, { skip }, async () => {
        const out = join(dir, `t1-${point}.tnt`);
        await backupTenant(f.db, { tenantId: '1', config: validateConfig({ preset: 'drupal' }), out });
        await f.db.execute(sql(f.db, "UPDATE `crm_company` SET `name` = 'changed after backup' WHERE `tenant_id` = 1"));
        await f.db.execute(sql(f.db, 'DELETE FROM `crm_activity` WHERE `tenant_id` = 1'));
        const before = await snapshotAll(f.db);
        const r = spawnSync(process.execPath, [BIN, 'restore', '--db', f.tmp.url, '--in', out, '--yes'], {
          encoding: 'utf8',
          env: { ...process.env, TENANTOPS_TEST_KILL_AT: point },
        });
        assert.equal(r.signal, 'SIGKILL', `killed at ${point}: ${r.stderr}`);
        assert.deepEqual(await snapshotAll(f.db), before);
        // The same command, not killed, completes: nothing the killed run left behind is in its way.
        const again = spawnSync(process.execPath, [BIN, 'restore', '--db', f.tmp.url, '--in', out, '--yes'], {
          encoding: 'utf8',
        });
        assert.equal(again.status, 0, again.stderr);
      });
    }
    // Ctrl-C or a stop from a supervisor: one line saying what happened and what is left, nothing partial kept.
    for (const [point, signal, exit] of [
      ['after-safety-backup', 'SIGINT', 130],
      ['during-insert', 'SIGTERM', 143],
    ] as const) {
      test(`${signal} at ${point}: rolled back, one line, no safety or partial file left`, { skip }, async () => {
        const sub = mkdtempSync(join(dir, `${signal}-`));
        const out = join(sub, 't1.tnt');
        await backupTenant(f.db, { tenantId: '1', config: validateConfig({ preset: 'drupal' }), out });
        await f.db.execute(sql(f.db, 'DELETE FROM `crm_activity` WHERE `tenant_id` = 1'));
        const before = await snapshotAll(f.db);
        const r = spawnSync(process.execPath, [BIN, 'restore', '--db', f.tmp.url, '--in', out, '--yes'], {
          encoding: 'utf8',
          env: { ...process.env, TENANTOPS_TEST_KILL_AT: `${point}:${signal}` },
        });
        assert.equal(r.status, exit, r.stderr);
        const said = r.stderr.trim().split('\n').at(-1)!;
        assert.match(said, new RegExp(`restore interrupted by ${signal}; rolled back, the database is unchanged`));
        if (point === 'after-safety-backup') assert.match(said, /removed the safety backup/);
        assert.deepEqual(await snapshotAll(f.db), before);
        const left = readdirSync(sub, { recursive: true, encoding: 'utf8' }).filter((n) => n !== 't1.tnt');
        assert.deepEqual(
          left.filter((n) => n.endsWith('.tnt') || n.endsWith('.partial')),
          [],
          'no safety or partial file',
        );
        const again = spawnSync(process.execPath, [BIN, 'restore', '--db', f.tmp.url, '--in', out, '--yes'], {
          encoding: 'utf8',
        });
        assert.equal(again.status, 0, again.stderr);
      });
    }
    test('without a kill the same restore completes (the kill points are real)', { skip }, async () => {
      const out = join(dir, 't1-ok.tnt');
      await backupTenant(f.db, { tenantId: '1', config: validateConfig({ preset: 'drupal' }), out });
      const before = await snapshotAll(f.db);
      await f.db.execute(sql(f.db, "UPDATE `crm_company` SET `name` = 'mutated' WHERE `tenant_id` = 1"));
      const t0 = Date.now();
      const r = spawnSync(process.execPath, [BIN, 'restore', '--db', f.tmp.url, '--in', out, '--yes', '--json'], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(Date.now() - t0 < 30000, 'no lock left behind by the killed restores');
      assert.deepEqual(await snapshotAll(f.db), before);
    });
  });
}

for (const engine of ['mysql', 'postgres'] as const) {
  describe(`backup under concurrent writes [${engine}]`, async () => {
    const skip = await skipReason(engine);
    test('the archive equals the snapshot taken when the backup began', { skip }, async () => {
      const f = await seededFixture(engine, false);
      const dir = mkdtempSync(join(tmpdir(), 'tenantops-conc-'));
      try {
        const before = await f.db.query(sql(f.db, 'SELECT COUNT(*) AS n FROM `analytics_event` WHERE `tenant_id` = 1'));
        let stop = false;
        let writes = 0;
        const writer = (async () => {
          // Bounded: at most 2000 inserts, and it stops when the backup is done.
          while (!stop && writes < 2000) {
            await f.db.execute(
              sql(
                f.db,
                "INSERT INTO `analytics_event` (`tenant_id`, `name`, `occurred_at`) VALUES (1, 'concurrent', '2025-06-01 00:00:00')",
              ),
            );
            writes++;
          }
        })();
        await new Promise((r) => setTimeout(r, 30));
        const b = await backupTenant(f.db, {
          tenantId: '1',
          config: validateConfig({ preset: 'drupal' }),
          out: join(dir, 'c.tnt'),
        });
        stop = true;
        await writer;
        assert.ok(writes > 0, 'writes really ran during the backup');
        const archived = b.manifest.tables.find((t) => t.name === 'analytics_event')!.rows;
        const after = await f.db.query(sql(f.db, 'SELECT COUNT(*) AS n FROM `analytics_event` WHERE `tenant_id` = 1'));
        assert.ok(archived >= Number(before[0]!.n) && archived <= Number(after[0]!.n));
        // Consistency: the archive verifies, and every archived row count is what one snapshot saw.
        await verifyArchive(join(dir, 'c.tnt'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await f.close();
      }
    });
  });
}

// A shared table that two of the tenant's tables reference is listed in the archive once per reference: its rows
// go in once, however many references reach them (the restore failed with a TypeError, and would have inserted a
// row reached twice twice).
for (const engine of ['mysql', 'postgres'] as const)
  withDatabase(
    engine,
    `a shared table referenced by two tables of the tenant restores once [${engine}]`,
    async (db, dir) => {
      await run(db, [
        'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
        'CREATE TABLE films (id BIGINT PRIMARY KEY, title VARCHAR(20) NOT NULL)',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO films VALUES (10, 'both'), (11, 'only a'), (12, 'only b'), (13, 'nobody')",
        'CREATE TABLE a (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL REFERENCES orgs (id), film_id BIGINT NOT NULL REFERENCES films (id))',
        'CREATE TABLE b (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL REFERENCES orgs (id), film_id BIGINT NOT NULL REFERENCES films (id))',
        'INSERT INTO a VALUES (1, 1, 10), (2, 1, 11), (3, 2, 13)',
        'INSERT INTO b VALUES (1, 1, 10), (2, 1, 12)',
      ]);
      const out = join(dir, 't1.tnt');
      const config = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
      await backupTenant(db, { tenantId: '1', config, out, includeParents: true });
      assert.equal((await verifyArchive(out)).tables.filter((t) => t.name === 'films').length, 2, 'listed twice');
      const before = await snapshotTables(db, ['orgs', 'films', 'a', 'b']);
      // The tenant and the films only it references go (a careless cleanup, checks off).
      await run(db, [
        ...(engine === 'mysql' ? ['SET FOREIGN_KEY_CHECKS = 0'] : []),
        'DELETE FROM a WHERE org_id = 1',
        'DELETE FROM b WHERE org_id = 1',
        'DELETE FROM films WHERE id IN (10, 11, 12)',
        ...(engine === 'mysql' ? ['SET FOREIGN_KEY_CHECKS = 1'] : []),
      ]);
      const r = await restoreTenant(db, { archive: out, safetyDir: join(dir, 'safety') });
      const films = r.tables.filter((t) => t.table === 'films');
      assert.equal(films.length, 1, 'one plan for the shared table');
      assert.equal(films[0]!.insert, 3);
      assert.deepEqual(await snapshotTables(db, ['orgs', 'films', 'a', 'b']), before);
    },
  );
