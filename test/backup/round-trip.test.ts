import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupTenant, restoreTenant, DEFAULT_CONFIG, verifyArchive } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { ENGINES, skipReason } from '../helpers/test-databases.ts';
import { seededFixture, snapshotAll, sql, tenantDigest, type Fixture } from './backup-fixtures.ts';

const code = (c: string) => (e: unknown) => e instanceof TenantopsError && e.code === c;

for (const engine of ENGINES) {
  for (const foreignKeys of [false, true]) {
    describe(`backup and restore [${engine}${foreignKeys ? ', foreign keys' : ''}]`, async () => {
      const skip = await skipReason(engine);
      let f: Fixture;
      const dir = mkdtempSync(join(tmpdir(), 'tenantops-bk-'));
      const safetyDir = join(dir, 'safety');
      before(async () => {
        if (!skip) f = await seededFixture(engine, foreignKeys);
      });
      after(async () => {
        rmSync(dir, { recursive: true, force: true });
        if (!skip) await f.close();
      });

      test('T is restored exactly, U keeps its own changes, and the archive is 0600', { skip }, async () => {
        const db = f.db;
        // Values drivers lose by default: microseconds, 19-digit BIGINT, 30-digit DECIMAL, binary, emoji, '' vs NULL.
        await db.execute(
          sql(
            db,
            "UPDATE `crm_company` SET `external_ref` = '9223372036854775806', `notes` = '', `name` = 'Ñandú 🚀 café' WHERE `id` = (SELECT MIN(`id`) FROM (SELECT `id` FROM `crm_company` WHERE `tenant_id` = 2) x)",
          ),
        );
        await db.execute(
          sql(
            db,
            "UPDATE `crm_opportunity` SET `value` = '1234567890123456789012345678.9012', `created` = '2024-02-29 23:59:59.123456' WHERE `tenant_id` = 2",
          ),
        );
        const before = await snapshotAll(db);
        const out = join(dir, `t2-${foreignKeys}.tnt`);
        const b = await backupTenant(db, { tenantId: '2', config: DEFAULT_CONFIG, out });
        assert.equal(statSync(out).mode & 0o777, 0o600);
        assert.ok(
          b.manifest.tables.find((t) => t.name === 'social_post__accounts')!.rows > 0,
          'field tables are in the archive',
        );

        // Mutate T: deletes, updates, inserts, field-table rows; and mutate U (tenant 3).
        await db.execute(sql(db, 'DELETE FROM `crm_activity` WHERE `tenant_id` = 2'));
        await db.execute(sql(db, "UPDATE `crm_contact` SET `full_name` = 'x' WHERE `tenant_id` = 2"));
        await db.execute(
          sql(
            db,
            'DELETE FROM `social_post__accounts` WHERE `entity_id` IN (SELECT `id` FROM `social_post` WHERE `tenant_id` = 2)',
          ),
        );
        await db.execute(
          sql(
            db,
            "INSERT INTO `crm_company` (`id`, `tenant_id`, `name`, `created`, `changed`) VALUES (900001, 2, 'new', '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
          ),
        );
        await db.execute(sql(db, "UPDATE `crm_company` SET `name` = 'U changed' WHERE `tenant_id` = 3"));
        const uAfterMutation = await tenantDigest(db, 'crm_company', '3');

        // The dry run reports the row-level diff and changes nothing.
        const mutated = await snapshotAll(db);
        const dry = await restoreTenant(db, { archive: out, safetyDir, dryRun: true });
        const by = Object.fromEntries(dry.tables.map((t) => [t.table, t]));
        const archivedRows = (t: string) => b.manifest.tables.find((x) => x.name === t)!.rows;
        assert.equal(by.crm_activity!.insert, archivedRows('crm_activity'));
        assert.equal(by.crm_contact!.update, archivedRows('crm_contact'));
        assert.equal(by.crm_company!.delete, 1);
        assert.equal(by.groups!.unchanged, 1);
        assert.deepEqual(await snapshotAll(db), mutated);

        const r = await restoreTenant(db, { archive: out, safetyDir });
        assert.ok(r.safetyBackup && statSync(r.safetyBackup).size > 0);
        const now = await snapshotAll(db);
        for (const t of Object.keys(before)) {
          if (t === 'crm_company') continue;
          assert.deepEqual(now[t], before[t], `${t} is back to the snapshot`);
        }
        assert.deepEqual(
          await tenantDigest(db, 'crm_company', '2'),
          await (async () => {
            // T's companies equal the backup; U's keep their change.
            const m = await verifyArchive(out);
            return {
              rows: m.tables.find((t) => t.name === 'crm_company')!.rows,
              sha: (await tenantDigest(db, 'crm_company', '2')).sha,
            };
          })(),
        );
        assert.deepEqual(await tenantDigest(db, 'crm_company', '3'), uAfterMutation);
        const v = await db.query(sql(db, 'SELECT `value` AS v FROM `crm_opportunity` WHERE `tenant_id` = 2 LIMIT 1'));
        assert.equal(String(v[0]!.v), '1234567890123456789012345678.9012');

        // Restoring the safety backup is the rollback: it brings back the mutated state.
        await restoreTenant(db, { archive: r.safetyBackup!, safetyDir });
        const rows = await db.query(sql(db, 'SELECT COUNT(*) AS n FROM `crm_company` WHERE `id` = 900001'));
        assert.equal(Number(rows[0]!.n), 1);
        await restoreTenant(db, { archive: out, safetyDir });
      });

      test(
        'corrupt, truncated, wrong-format, wrong-key and wrong-tenant archives are refused before any write',
        { skip },
        async () => {
          const db = f.db;
          const out = join(dir, `t1-${foreignKeys}.tnt`);
          await backupTenant(db, { tenantId: '1', config: DEFAULT_CONFIG, out });
          const enc = join(dir, `t1e-${foreignKeys}.tnt`);
          await backupTenant(db, { tenantId: '1', config: DEFAULT_CONFIG, out: enc, passphrase: 'right key' });
          await db.execute(sql(db, "UPDATE `crm_company` SET `name` = 'after backup' WHERE `tenant_id` = 1"));
          const before = await snapshotAll(db);

          const bytes = readFileSync(out);
          const flipped = join(dir, 'flipped.tnt');
          const mid = Buffer.from(bytes);
          mid[Math.floor(mid.length / 2)]! ^= 0xff;
          writeFileSync(flipped, mid);
          const short = join(dir, 'short.tnt');
          writeFileSync(short, bytes);
          truncateSync(short, Math.floor(bytes.length * 0.7));
          const junk = join(dir, 'junk.tnt');
          writeFileSync(junk, 'not an archive at all');

          await assert.rejects(restoreTenant(db, { archive: flipped, safetyDir }), code('TENANTOPS_E_ARCHIVE_CORRUPT'));
          await assert.rejects(restoreTenant(db, { archive: short, safetyDir }), code('TENANTOPS_E_ARCHIVE_CORRUPT'));
          await assert.rejects(restoreTenant(db, { archive: junk, safetyDir }), code('TENANTOPS_E_ARCHIVE_FORMAT'));
          await assert.rejects(
            restoreTenant(db, { archive: enc, safetyDir, passphrase: 'wrong key' }),
            code('TENANTOPS_E_ARCHIVE_KEY'),
          );
          await assert.rejects(restoreTenant(db, { archive: enc, safetyDir }), code('TENANTOPS_E_ARCHIVE_KEY'));
          await assert.rejects(
            restoreTenant(db, { archive: out, safetyDir, tenantId: '2' }),
            code('TENANTOPS_E_WRONG_TENANT'),
          );
          assert.deepEqual(await snapshotAll(db), before, 'nothing changed');
          // The right key works.
          await restoreTenant(db, { archive: enc, safetyDir, passphrase: 'right key' });
          assert.notEqual((await snapshotAll(db)).crm_company!.sha, before.crm_company!.sha);
        },
      );

      test('injection attempts in the tenant id are refused and change nothing', { skip }, async () => {
        const db = f.db;
        const before = await snapshotAll(db);
        for (const id of ['1 OR 1=1', '1; DROP TABLE groups; --', "1' OR '1'='1"]) {
          await assert.rejects(
            backupTenant(db, { tenantId: id, config: DEFAULT_CONFIG, out: join(dir, 'inj.tnt') }),
            code('TENANTOPS_E_USAGE'),
          );
        }
        await assert.rejects(
          backupTenant(db, { tenantId: '999999', config: DEFAULT_CONFIG, out: join(dir, 'none.tnt') }),
          code('TENANTOPS_E_TENANT_NOT_FOUND'),
        );
        assert.deepEqual(await snapshotAll(db), before);
      });

      test("rows that collide with another tenant's keys are refused with a list", { skip }, async () => {
        const db = f.db;
        const out = join(dir, `t4-${foreignKeys}.tnt`);
        await backupTenant(db, { tenantId: '4', config: DEFAULT_CONFIG, out });
        const row = await db.query(sql(db, 'SELECT MIN(`id`) AS id FROM `crm_activity` WHERE `tenant_id` = 4'));
        const id = String(row[0]!.id);
        // Hand one of T's activity ids to tenant 3: restoring T would overwrite U's row.
        await db.execute(sql(db, `UPDATE \`crm_activity\` SET \`tenant_id\` = 3 WHERE \`id\` = ${Number(id)}`));
        const before = await snapshotAll(db);
        await assert.rejects(
          restoreTenant(db, { archive: out, safetyDir }),
          (e: unknown) =>
            code('TENANTOPS_E_KEY_COLLISION')(e) && (e as TenantopsError).details.some((d) => d.includes(`id=${id}`)),
        );
        assert.deepEqual(await snapshotAll(db), before);
        const dry = await restoreTenant(db, { archive: out, safetyDir, dryRun: true }).catch((e: unknown) => e);
        assert.ok(code('TENANTOPS_E_KEY_COLLISION')(dry), 'dry run reports the collision too');
        await db.execute(sql(db, `UPDATE \`crm_activity\` SET \`tenant_id\` = 4 WHERE \`id\` = ${Number(id)}`));
      });
    });
  }
}
