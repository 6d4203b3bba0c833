// [restore-exact] A restore into a database whose own defaults differ from the source's (another server's
// postgresql.conf, ALTER DATABASE … SET) writes the archive's values exactly: every setting that changes how a value
// is read or written is pinned by the session (connect-postgres.ts TEXT_SESSION_SETTINGS).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectDb } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { exactDigest, run, withDatabase } from './exact-harness.ts';

const ORGS = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });

// Until 2026-12-08 xmloption was not pinned: under a default of `document`, an XML fragment (what a column of type
// xml takes by default) failed the restore, "invalid XML document", rolled back.
const TARGET_DEFAULTS = [
  'xmloption = document',
  'standard_conforming_strings = off',
  "DateStyle = 'SQL, DMY'",
  'IntervalStyle = sql_standard',
  'extra_float_digits = -15',
  'bytea_output = escape',
  "TimeZone = 'Asia/Kathmandu'",
  "default_transaction_isolation = 'serializable'",
];

withDatabase(
  'postgres',
  "the target database's own defaults do not change what a restore writes",
  async (db, dir, url) => {
    await run(db, [
      'CREATE TABLE orgs (id bigint PRIMARY KEY)',
      'INSERT INTO orgs VALUES (1), (2)',
      `CREATE TABLE v (id bigint PRIMARY KEY, org_id bigint NOT NULL, x xml, ts timestamptz, t timestamp, d date,
       iv interval, f float8, b bytea, s text)`,
      `INSERT INTO v VALUES (1, 1, 'frag<b/>ment', '2024-03-10 01:30:00+00', '2024-12-31 23:59:59.5', '2024-02-01',
       '1 year 2 mons -3 days 04:05:06.789', 0.1, decode('00ff5c', 'hex'), 'back' || chr(92) || 'slash'),
       (2, 1, 'text alone', NULL, NULL, NULL, '-1 day +02:00', 1e-300, decode('', 'hex'), ''),
       (3, 2, '<u/>', NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    ]);
    const out = join(dir, 'v.tnt');
    await backupTenant(db, { tenantId: '1', config: ORGS, out });
    const expected = await exactDigest(db, ['orgs', 'v']);
    await run(db, [
      "UPDATE v SET x = NULL, ts = now(), t = now(), d = now(), iv = '1 second', f = 1, b = decode('01', 'hex'), s = 'x' WHERE id = 1",
      'DELETE FROM v WHERE id = 2',
    ]);
    const name = (await db.query<{ n: string }>('SELECT current_database() AS n'))[0]!.n;
    for (const s of TARGET_DEFAULTS) await db.execute(`ALTER DATABASE "${name}" SET ${s}`);
    // New sessions take the database's defaults; the pool's open ones would not.
    const target = await connectDb(url, { values: 'text' });
    try {
      const r = await restoreTenant(target, { archive: out, safetyDir: join(dir, 's') });
      const v = r.tables.find((t) => t.table === 'v')!;
      assert.deepEqual([v.insert, v.update, v.delete], [1, 1, 0]);
      assert.deepEqual(await exactDigest(db, ['orgs', 'v']), expected);
    } finally {
      await target.close();
    }
  },
);
