import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupTenant, restoreTenant, validateConfig, DEFAULT_CONFIG } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { ENGINES, skipReason } from '../helpers/test-databases.ts';
import { seededFixture, snapshotAll, sql, type Fixture } from './backup-fixtures.ts';
import { exactDigest, run, withDatabase } from './exact-harness.ts';

const code = (c: string) => (e: unknown) => e instanceof TenantopsError && e.code === c;

for (const engine of ENGINES) {
  describe(`restore checks [${engine}]`, async () => {
    const skip = await skipReason(engine);
    let f: Fixture;
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-chk-'));
    const safetyDir = join(dir, 'safety');
    before(async () => {
      if (!skip) f = await seededFixture(engine, false);
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (!skip) await f.close();
    });

    test(
      'triggers are skipped where the role may, else refused before any write; let fire, a changed row fails verification',
      { skip },
      async () => {
        const db = f.db;
        const out = join(dir, 'trig.tnt');
        await backupTenant(db, { tenantId: '1', config: DEFAULT_CONFIG, out });
        await db.execute(sql(db, "UPDATE `crm_company` SET `name` = 'before restore' WHERE `tenant_id` = 1"));
        // The restore rewrites the renamed companies with UPDATE, so that is the trigger that would fire.
        if (db.dialect.name === 'mysql') {
          await db.execute(
            'CREATE TRIGGER `t_upper` BEFORE UPDATE ON `crm_company` FOR EACH ROW SET NEW.`name` = UPPER(NEW.`name`)',
          );
        } else {
          await db.execute(
            `CREATE FUNCTION t_upper() RETURNS trigger AS $$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$ LANGUAGE plpgsql`,
          );
          await db.execute(
            'CREATE TRIGGER t_upper BEFORE UPDATE ON crm_company FOR EACH ROW EXECUTE FUNCTION t_upper()',
          );
        }
        try {
          const snap = await snapshotAll(db);
          const skipped = await restoreTenant(db, { archive: out, safetyDir }).catch((e: unknown) => e);
          if (engine === 'mysql') {
            // MariaDB has no way to skip a trigger: refused, naming it, before any write.
            assert.ok(code('TENANTOPS_E_TRIGGERS')(skipped), String(skipped));
            assert.match((skipped as Error).message, /crm_company\.t_upper/);
            assert.deepEqual(await snapshotAll(db), snap);
          } else {
            // PostgreSQL as superuser (and PGlite) skips triggers for the restore's transaction, and says so.
            assert.ok(!(skipped instanceof Error), String(skipped));
            assert.ok((skipped as { notes: string[] }).notes.some((n) => /skipped.*crm_company\.t_upper/.test(n)));
            const names = await db.query(sql(db, 'SELECT `name` FROM `crm_company` WHERE `tenant_id` = 1'));
            assert.ok(names.every((r) => r.name !== String(r.name).toUpperCase() || !/[a-z]/i.test(String(r.name))));
            await db.execute(sql(db, "UPDATE `crm_company` SET `name` = 'before restore' WHERE `tenant_id` = 1"));
          }
          const before = await snapshotAll(db);
          const fire = { ...DEFAULT_CONFIG, triggers: 'fire' as const };
          await assert.rejects(
            restoreTenant(db, { archive: out, safetyDir, config: fire }),
            (e: unknown) =>
              code('TENANTOPS_E_VERIFY_FAILED')(e) &&
              /crm_company/.test((e as Error).message) &&
              /column name/.test((e as Error).message),
          );
          assert.deepEqual(await snapshotAll(db), before);
        } finally {
          await db.execute(
            db.dialect.name === 'mysql' ? 'DROP TRIGGER `t_upper`' : 'DROP TRIGGER t_upper ON crm_company',
          );
        }
        await restoreTenant(db, { archive: out, safetyDir });
      },
    );

    test(
      'schema differences are refused with a list; a new column with a default is allowed and reported',
      { skip },
      async () => {
        const db = f.db;
        const out = join(dir, 'schema.tnt');
        await backupTenant(db, { tenantId: '2', config: DEFAULT_CONFIG, out });
        await db.execute(sql(db, "ALTER TABLE `crm_company` ADD COLUMN `region` VARCHAR(20) NOT NULL DEFAULT 'eu'"));
        const r = await restoreTenant(db, { archive: out, safetyDir, dryRun: true });
        assert.ok(r.notes.some((n) => n.includes('crm_company') && n.includes('region')));
        await restoreTenant(db, { archive: out, safetyDir });
        const regions = await db.query(sql(db, 'SELECT DISTINCT `region` FROM `crm_company` WHERE `tenant_id` = 2'));
        assert.deepEqual(
          regions.map((x) => x.region),
          ['eu'],
        );
        await db.execute(sql(db, 'ALTER TABLE `crm_company` DROP COLUMN `region`'));
        await db.execute(sql(db, 'ALTER TABLE `crm_contact` DROP COLUMN `phone`'));
        const retype = (t: string) =>
          db.dialect.name === 'mysql'
            ? `ALTER TABLE \`social_post\` MODIFY \`likes\` ${t} NOT NULL`
            : `ALTER TABLE "social_post" ALTER COLUMN "likes" TYPE ${t}`;
        await db.execute(retype('BIGINT'));
        try {
          const snap = await snapshotAll(db);
          await assert.rejects(restoreTenant(db, { archive: out, safetyDir }), (e: unknown) => {
            const d = (e as TenantopsError).details ?? [];
            return (
              code('TENANTOPS_E_SCHEMA_MISMATCH')(e) &&
              d.some((x) => x.includes('crm_contact') && x.includes('phone')) &&
              d.some((x) => x.includes('social_post') && x.includes('likes'))
            );
          });
          assert.deepEqual(await snapshotAll(db), snap);
        } finally {
          await db.execute(sql(db, 'ALTER TABLE `crm_contact` ADD COLUMN `phone` VARCHAR(32) NULL'));
          await db.execute(retype(db.dialect.name === 'mysql' ? 'INT' : 'INTEGER'));
        }
      },
    );

    test('ids only move forward after restoring a deleted tenant; hooks run around the restore', { skip }, async () => {
      const db = f.db;
      const out = join(dir, 'seq.tnt');
      await backupTenant(db, { tenantId: '4', config: DEFAULT_CONFIG, out });
      const max = Number((await db.query(sql(db, 'SELECT MAX(`id`) AS m FROM `crm_activity`')))[0]!.m);
      await db.execute(sql(db, 'DELETE FROM `crm_activity` WHERE `tenant_id` = 4'));
      const log = join(dir, 'hooks.log');
      const config = {
        ...DEFAULT_CONFIG,
        hooks: {
          beforeRestore: `echo "before $TENANTOPS_TENANT" >> ${log}`,
          afterRestore: `echo "after $TENANTOPS_TENANT" >> ${log}`,
        },
      };
      await restoreTenant(db, { archive: out, safetyDir, config });
      assert.equal(readFileSync(log, 'utf8'), 'before 4\nafter 4\n');
      const ins = await db.execute(
        db.dialect.name === 'mysql'
          ? "INSERT INTO `crm_activity` (`tenant_id`, `subject`, `type`, `occurred_at`, `created`) VALUES (4, 's', 'call', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
          : `INSERT INTO "crm_activity" ("tenant_id", "subject", "type", "occurred_at", "created") VALUES (4, 's', 'call', '2025-01-01 00:00:00', '2025-01-01 00:00:00') RETURNING id`,
      );
      assert.ok(Number(ins.insertId) > max, `new id ${ins.insertId} > ${max}`);
      const failing = { ...DEFAULT_CONFIG, hooks: { beforeRestore: 'exit 3' } };
      const snap = await snapshotAll(db);
      await assert.rejects(restoreTenant(db, { archive: out, safetyDir, config: failing }), code('TENANTOPS_E_HOOK'));
      assert.deepEqual(await snapshotAll(db), snap);
      assert.ok(existsSync(log));
    });

    if (engine !== 'mysql') {
      test(
        'PostgreSQL inheritance: a child table is its own table; the parent is read with ONLY',
        { skip },
        async () => {
          const db = f.db;
          await db.execute('CREATE TABLE "note" ("id" BIGINT PRIMARY KEY, "tenant_id" BIGINT NOT NULL, "body" TEXT)');
          await db.execute('CREATE TABLE "note_archived" ("archived_at" TIMESTAMP(6)) INHERITS ("note")');
          await db.execute('INSERT INTO "note" VALUES (1, 3, \'live\')');
          await db.execute("INSERT INTO \"note_archived\" VALUES (2, 3, 'old', '2024-01-01 00:00:00.123456')");
          const out = join(dir, 'inh.tnt');
          const b = await backupTenant(db, { tenantId: '3', config: validateConfig({ preset: 'drupal' }), out });
          assert.equal(b.manifest.tables.find((t) => t.name === 'note')!.rows, 1);
          assert.equal(b.manifest.tables.find((t) => t.name === 'note_archived')!.rows, 1);
          await db.execute('DELETE FROM "note"');
          await restoreTenant(db, { archive: out, safetyDir });
          const rows = await db.query('SELECT id, body FROM "note" ORDER BY id');
          assert.deepEqual(
            rows.map((r) => [String(r.id), r.body]),
            [
              ['1', 'live'],
              ['2', 'old'],
            ],
          );
          await db.execute('DROP TABLE "note_archived"');
          await db.execute('DROP TABLE "note"');
        },
      );
    }
  });
}

// MyISAM and Aria tables are outside the restore's transaction: a restore that failed before COMMIT (here a check
// that throws there, as a kill would) left the MyISAM table restored and the InnoDB one as it was, while saying
// nothing changed; a bulk load beside an Aria table failed ("doesn't support SAVEPOINT"). Now refused before writing.
withDatabase(
  'mysql',
  'a restore that would write to MyISAM or Aria tables is refused before any write; one that leaves them alone runs',
  async (db, dir) => {
    await run(db, [
      'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
      'INSERT INTO `orgs` VALUES (1), (2)',
      ...[
        ['m', 'MyISAM'],
        ['a', 'Aria'],
        ['i', 'InnoDB'],
      ].flatMap(([t, engine]) => [
        `CREATE TABLE \`${t}\` (\`id\` INT PRIMARY KEY, \`org_id\` BIGINT NOT NULL, \`v\` VARCHAR(10)) ENGINE=${engine}`,
        `INSERT INTO \`${t}\` VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c')`,
      ]),
    ]);
    const tables = ['orgs', 'm', 'a', 'i'];
    const out = join(dir, 'm.tnt');
    const config = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
    await backupTenant(db, { tenantId: '1', config, out });
    await run(db, [
      "UPDATE `m` SET `v` = 'x' WHERE `id` = 1",
      'DELETE FROM `a` WHERE `id` = 2',
      "UPDATE `i` SET `v` = 'x'",
    ]);
    const damaged = await exactDigest(db, tables);
    const dry = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), dryRun: true });
    assert.ok(
      dry.notes.some((n) => /will refuse: tables without transactions .*a \(Aria\), m \(MyISAM\)/.test(n)),
      dry.notes.join('; '),
    );
    for (const bulkMinRows of [1, Number.POSITIVE_INFINITY])
      await assert.rejects(
        restoreTenant(db, {
          archive: out,
          safetyDir: join(dir, 's'),
          bulkMinRows,
          checkpoint: async (p) => {
            if (p === 'before-commit') throw new Error('killed before COMMIT');
          },
        }),
        (e: unknown) =>
          code('TENANTOPS_E_NOT_TRANSACTIONAL')(e) && /a \(Aria\), m \(MyISAM\)/.test((e as Error).message),
      );
    assert.deepEqual(await exactDigest(db, tables), damaged, 'nothing written');
    // Put back by hand, the MyISAM and Aria rows no longer stop the restore of the InnoDB table.
    await run(db, ["UPDATE `m` SET `v` = 'a' WHERE `id` = 1", "INSERT INTO `a` VALUES (2, 1, 'b')"]);
    const r = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
    assert.equal(r.written, 2);
    assert.deepEqual(
      (await db.query('SELECT `v` FROM `i` ORDER BY `id`')).map((x) => x.v),
      ['a', 'b', 'x'],
    );
  },
);

test('a config file with an unknown key never reaches the database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cfgk-'));
  writeFileSync(join(dir, 'c.yaml'), 'tenant: { table: groups, kee: id }\n');
  try {
    assert.throws(() => validateConfig({ tenant: { table: 'groups', kee: 'id' } }), /tenant\.kee: unknown key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
