// [restore-exact] A server's init_connect runs for every login without SUPER after the handshake; the common
// `init_connect='SET NAMES utf8'` made a backup's and a restore's sessions utf8mb3, in which every 4-byte character
// came back as '?'. The archive held '?', and the restore wrote it and passed its own verification (the server digest
// differed; the rows read again through the same session then "agreed"). Until 2026-12-08; the sessions now set
// their character set themselves (connect-mysql.ts TEXT_SESSION). On a mariadbd of the test's own: init_connect is
// global, and the shared server's other users must not get it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connectDb } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { MARIADBD, withOwnMariadbApp } from '../helpers/own-mariadb.ts';

const ORGS = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
const skip = existsSync(MARIADBD) ? false : `${MARIADBD} not installed (Debian's mariadb-server)`;

test("init_connect='SET NAMES utf8' does not turn a tenant's emoji into '?'", { skip, timeout: 120_000 }, async () =>
  withOwnMariadbApp(
    ['--init-connect=SET NAMES utf8', '--character-set-server=utf8mb4'],
    async ({ root, appUrl, dir }) => {
      for (const s of [
        'CREATE TABLE app.orgs (id BIGINT PRIMARY KEY)',
        'INSERT INTO app.orgs VALUES (1), (2)',
        'CREATE TABLE app.t (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, s VARCHAR(20), KEY (org_id))',
        "INSERT INTO app.t VALUES (1, 1, 'rocket 🚀'), (2, 1, '𝄞 clef'), (3, 2, 'u 🚀')",
      ])
        await root.execute(s);
      const read = async () =>
        (await root.query<{ h: string }>('SELECT HEX(s) AS h FROM app.t ORDER BY id')).map((r) => r.h);
      const expected = await read();
      const db = await connectDb(appUrl, { values: 'text' });
      try {
        const out = join(dir, 't.tnt');
        await backupTenant(db, { tenantId: '1', config: ORGS, out });
        await root.execute("UPDATE app.t SET s = 'damaged' WHERE org_id = 1");
        await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
        assert.deepEqual(await read(), expected, 'every byte as before');
      } finally {
        await db.close();
      }
    },
  ),
);

// [restore-exact] `init_connect='SET autocommit=0'` (the MySQL manual's example for init_connect) left a session of a
// login without SUPER inside a transaction after its first read of a table: a restore or backup that then took that
// pooled connection failed at its SET TRANSACTION ISOLATION LEVEL. sql_safe_updates = 1 refused the restore's UPDATE
// of one row by a composite key (a Drupal field table's (entity_id, delta)). Until 2026-12-08; the sessions now set
// both themselves.
test(
  "init_connect='SET autocommit=0, sql_safe_updates=1': a backup and a restore of a field table",
  { skip, timeout: 120_000 },
  async () =>
    withOwnMariadbApp(['--init-connect=SET autocommit=0, sql_safe_updates=1'], async ({ root, appUrl, dir }) => {
      for (const s of [
        'CREATE TABLE app.orgs (id BIGINT PRIMARY KEY)',
        'INSERT INTO app.orgs VALUES (1), (2)',
        'CREATE TABLE app.node (nid BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, KEY (org_id))',
        'CREATE TABLE app.node__body (entity_id BIGINT NOT NULL, delta INT NOT NULL, v TEXT, PRIMARY KEY (entity_id, delta), FOREIGN KEY (entity_id) REFERENCES app.node (nid))',
        'INSERT INTO app.node VALUES (1, 1), (2, 2)',
        "INSERT INTO app.node__body VALUES (1, 0, 'a'), (1, 1, 'b'), (2, 0, 'u')",
      ])
        await root.execute(s);
      const read = async () =>
        (await root.query<{ v: string }>('SELECT v FROM app.node__body ORDER BY entity_id, delta')).map((r) => r.v);
      const expected = await read();
      const db = await connectDb(appUrl, { values: 'text' });
      try {
        const out = join(dir, 't.tnt');
        await backupTenant(db, { tenantId: '1', config: ORGS, out });
        await root.execute("UPDATE app.node__body SET v = 'damaged' WHERE entity_id = 1 AND delta = 0");
        // A read through the same pool first (a caller checking the tenant): its connection then held a transaction.
        assert.equal((await db.query('SELECT COUNT(*) AS n FROM node__body')).length, 1);
        const r = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
        assert.equal(r.written, 1);
        assert.deepEqual(await read(), expected);
      } finally {
        await db.close();
      }
    }),
);
