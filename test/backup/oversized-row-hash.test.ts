// [restore-exact] MariaDB's row hash (QUOTE and CONCAT_WS of the row's values) met max_allowed_packet (16 MB by
// default): QUOTE() of 9 MB of zero bytes (each escaped in two) is NULL, and CONCAT_WS() left that value out, so a
// change inside it left the table's digest as it was: the restore took the table for unchanged and wrote nothing.
// A row of five values of 4 MB hashed to NULL: a backup of a small table failed (NaN into BigInt), and a large
// table's digest left the row out. Until 2026-12-08; now the value, or the row, is hashed by its MD5s.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { exactDigest, run, withDatabase } from './exact-harness.ts';

const ORGS = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
const MB = 1024 * 1024;

for (const rows of [1, 2500])
  withDatabase(
    'mysql',
    `a change inside a value or row longer than max_allowed_packet once quoted is restored (${rows} rows)`,
    async (db, dir) => {
      await run(db, [
        'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
        'INSERT INTO `orgs` VALUES (1), (2)',
        'CREATE TABLE `files` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `body` LONGBLOB, KEY (`org_id`))',
        `INSERT INTO \`files\` VALUES (1, 1, REPEAT(X'00', ${9 * MB})), (2, 2, 'u')`,
        'CREATE TABLE `docs` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `a` LONGTEXT, `b` LONGTEXT, `c` LONGTEXT, `d` LONGTEXT, `e` LONGTEXT, KEY (`org_id`))',
        'INSERT INTO `docs` (`id`, `org_id`) VALUES (1, 1), (2, 2)',
        // Five values of just under 4 MB each, set one at a time (a statement must fit max_allowed_packet).
        ...['a', 'b', 'c', 'd', 'e'].map(
          (c) => `UPDATE \`docs\` SET \`${c}\` = REPEAT('${c}', ${4 * MB - 100}) WHERE \`id\` = 1`,
        ),
        ...(rows > 1
          ? [
              "INSERT INTO `files` SELECT seq, 1, 'small' FROM seq_10_to_2500",
              "INSERT INTO `docs` (`id`, `org_id`, `a`) SELECT seq, 1, 'small' FROM seq_10_to_2500",
            ]
          : []),
      ]);
      const out = join(dir, 'big.tnt');
      await backupTenant(db, { tenantId: '1', config: ORGS, out });
      const expected = await exactDigest(db, ['files', 'docs']);
      await run(db, [
        "UPDATE `files` SET `body` = CONCAT('changed', SUBSTRING(`body`, 8)) WHERE `id` = 1",
        "UPDATE `docs` SET `c` = CONCAT('changed', SUBSTRING(`c`, 8)) WHERE `id` = 1",
      ]);
      const r = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      for (const t of ['files', 'docs']) assert.equal(r.tables.find((x) => x.table === t)!.update, 1, t);
      assert.deepEqual(await exactDigest(db, ['files', 'docs']), expected);
      // The row of five ~4 MB values written back whole: one INSERT, then one UPDATE of all five. Each value fits a
      // statement, the five together do not: the server dropped the connection, and every rerun failed alike.
      await run(db, ['DELETE FROM `docs` WHERE `id` = 1']);
      const inserted = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      assert.equal(inserted.tables.find((x) => x.table === 'docs')!.insert, 1);
      assert.deepEqual(await exactDigest(db, ['files', 'docs']), expected);
      await run(db, [
        ...['a', 'b', 'c', 'd', 'e'].map((c) => `UPDATE \`docs\` SET \`${c}\` = 'small' WHERE \`id\` = 1`),
      ]);
      const updated = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      assert.equal(updated.tables.find((x) => x.table === 'docs')!.update, 1);
      assert.deepEqual(await exactDigest(db, ['files', 'docs']), expected);
    },
  );
