// [restore-exact] A restore's statements were sized for MariaDB's 16 MB default max_allowed_packet: a fixed 4 MB
// per statement, 1 MB per grouped UPDATE and per LOAD DATA packet. A server set to 1M (MySQL 5.x's default, kept
// by many my.cnf files) dropped the connection on a row of two 600 KB values written back in one statement, on a
// group of updates, and on the first 1 MB packet of a bulk load: "connection lost … rerun", and every rerun failed
// alike. Until 2026-12-08; the budgets now follow the session's max_allowed_packet. On a mariadbd of the test's
// own: the setting is global, and the shared server's other users must not get it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connectDb } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { MARIADBD, withOwnMariadbApp } from '../helpers/own-mariadb.ts';
import { exactDigest, run } from './exact-harness.ts';

const ORGS = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
const skip = existsSync(MARIADBD) ? false : `${MARIADBD} not installed (Debian's mariadb-server)`;

test(
  'with max_allowed_packet = 1M, large rows, grouped updates and a bulk load restore exactly',
  { skip, timeout: 180_000 },
  async () =>
    withOwnMariadbApp(['--max-allowed-packet=1M'], async ({ rootAppUrl, dir }) => {
      const db = await connectDb(rootAppUrl, { values: 'text' });
      try {
        await run(db, [
          'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
          'INSERT INTO `orgs` VALUES (1), (2)',
          'CREATE TABLE `docs` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `b` LONGBLOB, `s` LONGTEXT, KEY (`org_id`))',
          // Each value fits a packet; the row (1.3 MB) does not.
          "INSERT INTO `docs` VALUES (1, 1, REPEAT(X'00', 700000), REPEAT('é', 300000)), (2, 2, X'01', 'u')",
          'CREATE TABLE `notes` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `s` BLOB, KEY (`org_id`))',
          'INSERT INTO `notes` SELECT seq, 1, REPEAT(CHAR(65 + seq % 26), 3000) FROM seq_1_to_1200',
          "INSERT INTO `notes` VALUES (5000, 2, 'u')",
        ]);
        const tables = ['orgs', 'docs', 'notes'];
        const out = join(dir, 't.tnt');
        await backupTenant(db, { tenantId: '1', config: ORGS, out });
        const expected = await exactDigest(db, tables);
        const restore = async (bulkMinRows: number) =>
          restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), bulkMinRows });
        // INSERT of the large row; 1,200 rows of 3 KB (3.6 MB) through the bulk load.
        await run(db, ['DELETE FROM `docs` WHERE `org_id` = 1', 'DELETE FROM `notes` WHERE `org_id` = 1']);
        const loaded = await restore(1000);
        assert.ok(loaded.notes.includes('bulk-loaded: notes (1200 rows)'), loaded.notes.join('; '));
        assert.deepEqual(await exactDigest(db, tables), expected);
        // UPDATE of both large values; 1,200 updates grouped.
        await run(db, [
          "UPDATE `docs` SET `b` = X'00', `s` = 'x' WHERE `id` = 1",
          "UPDATE `notes` SET `s` = 'x' WHERE `org_id` = 1",
        ]);
        const updated = await restore(1000);
        assert.equal(updated.written, 1201);
        assert.deepEqual(await exactDigest(db, tables), expected);
        // The same rows inserted with multi-row INSERTs.
        await run(db, ['DELETE FROM `docs` WHERE `org_id` = 1', 'DELETE FROM `notes` WHERE `org_id` = 1']);
        await restore(Number.POSITIVE_INFINITY);
        assert.deepEqual(await exactDigest(db, tables), expected);
      } finally {
        await db.close();
      }
    }),
);
