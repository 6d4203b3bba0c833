// A backup reads a table of more than one batch through the session's bulk reader where it has one
// (DbSession.streamValues: PostgreSQL COPY (…) TO STDOUT, its parameters bound through set_config). The archive
// must be the one the row-by-row cursor writes, byte for byte in every line and digit for digit in every digest,
// for every type and awkward value the exactness tests cover; and a COPY stopped early or failed midway must leave
// the connection usable. A restore's merge reads such a table the same way: it must find exactly the damage.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectDb, type Db, type DbSession } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import type { Manifest } from '../../src/backup/archive/manifest.ts';
import { BATCH_ROWS } from '../../src/backup/dump-table.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { createReadOnlyLogin } from '../helpers/test-databases.ts';
import { run, withDatabase } from './exact-harness.ts';

const tablesOf = (m: Manifest) => m.tables.map((t) => [t.name, t.rows, t.bytes, t.sha256, t.serverDigest]);

/** `db` with every session it hands out passed through `map`. */
function mapSessions(db: Db, map: (s: DbSession) => DbSession): Db {
  const snapshotSessions = db.snapshotSessions?.bind(db);
  return Object.create(db, {
    transaction: {
      value: <T>(fn: (s: DbSession) => Promise<T>, o?: object) => db.transaction((s) => fn(map(s)), o),
    },
    ...(snapshotSessions
      ? {
          snapshotSessions: {
            value: <T>(n: number, fn: (ss: DbSession[]) => Promise<T>, o?: { snapshotId?: string }) =>
              snapshotSessions(n, (ss) => fn(ss.map(map)), o),
          },
        }
      : {}),
  }) as Db;
}

/** Without the bulk readers named (all: the cursor). */
const without = (db: Db, names: ('streamValues' | 'streamLines')[]) =>
  mapSessions(db, (s) => {
    const rest: DbSession = { ...s };
    for (const n of names) delete rest[n];
    return rest;
  });

/** Records the SQL of every bulk read. */
const counting = (db: Db, sqls: string[]) =>
  mapSessions(db, (s) => ({
    ...s,
    ...(s.streamValues ? { streamValues: (sql, params, n) => (sqls.push(sql), s.streamValues!(sql, params, n)) } : {}),
    ...(s.streamLines ? { streamLines: (sql, params, n) => (sqls.push(sql), s.streamLines!(sql, params, n)) } : {}),
  }));

// The exactness tests' PostgreSQL values (exactness.test.ts, "exact values [postgres]"), in one table, repeated
// past a batch: json with duplicate keys and big numbers, real/double at their limits, 30-digit numeric,
// microseconds, time zones, intervals, points, bytea, arrays, enums; text with tabs, newlines, CR, backslashes,
// `\N`, `\.`, 4-byte characters, NULL apart from ''.
const POSTGRES_SCHEMA = [
  "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
  'CREATE DOMAIN positive AS numeric(12,3) CHECK (VALUE > 0)',
  'CREATE TABLE orgs (id bigint PRIMARY KEY)',
  `CREATE TABLE seed (id bigint, org_id bigint, j json, jb jsonb, r real, d double precision, n numeric(40,10),
     ts timestamp(6), tz timestamptz, iv interval, u uuid, p point, b bytea, a int[], t text, tm time, bo boolean,
     v varchar(50), c char(5), ta text[], k mood, ip inet, cn cidr, rg int4range, dm positive, mo money)`,
  'CREATE TABLE vals (LIKE seed, PRIMARY KEY (id), FOREIGN KEY (org_id) REFERENCES orgs (id))',
  'CREATE TABLE tags (id bigint PRIMARY KEY, val_id bigint NOT NULL REFERENCES vals (id), label text)',
  'INSERT INTO orgs VALUES (1), (2)',
  String.raw`INSERT INTO seed (id, org_id, j, jb, r, d, n, ts, tz, iv, u, p, b, a, t, tm, bo, v, c, ta, k) VALUES
     (1, 1, '{"a":1, "a":2, "n": 12345678901234567890123}', '{"b": [1, 2.50]}', 1.1, 0.30000000000000004,
      '123456789012345678901234567890.0123456789', '2024-02-29 23:59:59.123456', '2024-01-01 10:00:00.654321+05',
      '1 year 2 mons 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '(1.5,-2.25)', '\x00ff10',
      '{1,2,3}', 'Ñandú 🚀', '23:59:59.999999', true, 'v', 'ab', '{"x"}', 'happy'),
     (2, 1, 'null', 'null', 3.4028235e38, 1e-300, '-0.0000000001', NULL, NULL, NULL, NULL, NULL, '\x', '{}', '',
      NULL, false, '', '', '{}', 'sad'),
     (3, 2, '{"u":1}', '{}', 0.1, 0.2, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL),
     (4, 1, NULL, '{"k": "a\\tb\\\\c\\n"}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\x5c4e090a0d00ff5c',
      NULL, E'tab\there\nnew\rline \\ back \\N slash', NULL, NULL, E'\\N', 'ab', E'{"a\\\\b","c\td",NULL,""}', NULL),
     (5, 1, NULL, '""', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\x', NULL, '', NULL, NULL, '', '', '{}', NULL),
     (6, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL),
     (7, 1, NULL, '"\\\\N"', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\x5c2e', NULL, E'\\.', NULL, NULL,
      'NULL', E'\\.', '{NULL}', NULL),
     (8, 1, NULL, '{"🚀": null}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\x00', NULL, '🚀 Ñandú', NULL,
      NULL, E'\\\\N\t', NULL, E'{"\\\\N"}', 'ok'),
     (9, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, E'\b\f\v\u0001\u001f end', NULL,
      NULL, E'\r\n', NULL, NULL, NULL)`,
  // Types whose text a cast would change (bool, char(n), inet), non-finite numbers, negative zero.
  `INSERT INTO seed (id, org_id, r, d, n, bo, c, ip, cn, rg, dm, mo) VALUES
     (10, 1, '-0', 'Infinity', 'NaN', true, 'a', '192.168.1.5', '10.0.0.0/8', '[1,5)', 1.5, 12.34),
     (11, 1, 'NaN', '-Infinity', '0.000', false, 'abcde', '::1', '2001:db8::/32', 'empty', 0.001, -1)`,
  // 11 seed rows (10 of tenant 1) × 400: more than a batch of tenant 1 in both tables.
  'INSERT INTO vals SELECT s.id + 100 * g, s.org_id, j, jb, r, d, n, ts, tz, iv, u, p, b, a, t, tm, bo, v, c, ta, k, ip, cn, rg, dm, mo FROM seed s CROSS JOIN generate_series(0, 399) g',
  String.raw`INSERT INTO tags SELECT id, id, E'l\t' || id || E'\\' FROM vals`,
];

// The exactness tests' MariaDB values, the same way: JSON with duplicate keys, FLOAT/DOUBLE at their limits,
// DECIMAL(40,10), BIGINT UNSIGNED max, DATETIME(6), YEAR 0000, ENUM '', POINT, BIT, VARBINARY/BLOB, TIME;
// text with tabs, newlines, CR, backslashes, NUL, 4-byte characters, latin1, NULL apart from ''.
const MYSQL_SCHEMA = [
  'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
  `CREATE TABLE \`seed\` (\`id\` BIGINT, \`org_id\` BIGINT NOT NULL, \`j\` JSON NULL, \`f\` FLOAT NULL,
     \`d\` DOUBLE NULL, \`dec\` DECIMAL(40,10) NULL, \`big\` BIGINT UNSIGNED NULL, \`dt\` DATETIME(6) NULL,
     \`ts\` TIMESTAMP(6) NULL, \`y\` YEAR NULL, \`e\` ENUM('a','b') NULL, \`g\` POINT NULL, \`bin\` VARBINARY(20) NULL,
     \`bits\` BIT(10) NULL, \`t\` TEXT NULL, \`tm\` TIME(6) NULL, \`b\` BLOB NULL,
     \`l\` VARCHAR(20) CHARACTER SET latin1 NULL)`,
  'CREATE TABLE `vals` LIKE `seed`',
  'ALTER TABLE `vals` ADD PRIMARY KEY (`id`), ADD KEY (`org_id`)',
  'CREATE TABLE `tags` (`id` BIGINT PRIMARY KEY, `val_id` BIGINT NOT NULL, `label` TEXT, FOREIGN KEY (`val_id`) REFERENCES `vals` (`id`))',
  'INSERT INTO `orgs` VALUES (1), (2)',
  String.raw`INSERT INTO seed VALUES
     (1, 1, '{"a":1,"a":2,"n":12345678901234567890123,"x":1.0e0}', 1.1, 0.1e0+0.2e0,
      '123456789012345678901234567890.0123456789', 18446744073709551615, '2024-02-29 23:59:59.123456',
      '2024-01-01 10:00:00.654321', '0000', '', ST_GeomFromText('POINT(1.5 -2.25)', 4326), X'00ff10', b'1010101010',
      'Ñandú 🚀 café', '-838:59:59.000000', X'5C4E090A0D00FF5C', 'café'),
     (2, 1, 'null', 3.4028235e38, 1e-300, '-0.0000000001', 0, '1000-01-01 00:00:00', NULL, '2155', 'b',
      ST_GeomFromText('POINT(0 0)'), X'', b'0', '', '00:00:00.000001', X'', ''),
     (3, 2, '{"u":1}', 0.333333, 2.5, '1', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
     (4, 1, '{"k": "a\\tb\\\\c\\n"}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      'tab\there\nnew\rline \\ back \\N slash', NULL, X'5C2E', 'ÿ'),
     (5, 1, '"\\\\N"', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\\.', NULL, X'00', NULL),
     (6, 1, '{"🚀": null}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '🚀 Ñandú \0 nul',
      NULL, NULL, NULL),
     (7, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  // 7 seed rows (6 of tenant 1) × 400: more than a batch of tenant 1 in both tables.
  'INSERT INTO `vals` SELECT s.`id` + 100 * g.n, s.`org_id`, `j`, `f`, `d`, `dec`, `big`, `dt`, `ts`, `y`, `e`, `g`, `bin`, `bits`, `t`, `tm`, `b`, `l` FROM `seed` s CROSS JOIN (SELECT seq AS n FROM seq_0_to_399) g',
  String.raw`INSERT INTO tags SELECT id, id, CONCAT('l\t', id, '\\') FROM vals`,
];

describe('bulk reads in a backup [mysql]', () => {
  withDatabase(
    'mysql',
    'rows as arrays write the archive the row stream writes, with one reader and with two',
    async (db, dir) => {
      await run(db, MYSQL_SCHEMA);
      const config = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
      const sqls: string[] = [];
      for (const readers of [1, 2] as const) {
        const stream = await backupTenant(without(db, ['streamValues']), {
          tenantId: '1',
          config,
          out: join(dir, `stream-${readers}.tnt`),
          readers,
        });
        assert.deepEqual(
          stream.manifest.tables.filter((t) => t.rows > BATCH_ROWS).map((t) => t.name),
          ['vals', 'tags'],
          'both tables hold more than a batch of the tenant',
        );
        const before = sqls.length;
        const arrays = await backupTenant(counting(db, sqls), {
          tenantId: '1',
          config,
          out: join(dir, `arrays-${readers}.tnt`),
          readers,
        });
        assert.equal(sqls.length - before, 2, `readers ${readers}: both large tables read as arrays`);
        assert.deepEqual(tablesOf(arrays.manifest), tablesOf(stream.manifest), `readers ${readers}`);
      }
    },
  );

  withDatabase('mysql', 'rows as arrays stopped early or failed midway leave the connection usable', async (db) => {
    const rows = 'SELECT seq, REPEAT(?, 100) FROM seq_1_to_200000 ORDER BY seq';
    const first = await db.transaction(async (s) => {
      assert.ok(s.streamValues, 'a text-mode MariaDB session reads rows as arrays');
      let seen: unknown[][] = [];
      for await (const batch of s.streamValues(rows, ['x'], 1000)) {
        seen = batch;
        break;
      }
      const after = await s.query<{ n: unknown }>('SELECT 41 + 1 AS n');
      return [seen[0], String(after[0]!.n)];
    });
    assert.deepEqual(first, [['1', 'x'.repeat(100)], '42']);
    await assert.rejects(
      db.transaction(async (s) => {
        // An error the server raises after sending rows (a subquery returning more than one row at seq 5000).
        const bad = 'SELECT o.seq, (SELECT i.seq FROM seq_1_to_2 i WHERE o.seq = 5000) AS x FROM seq_1_to_9000 o';
        for await (const batch of s.streamValues!(bad, [], 100)) void batch;
      }),
      (e: unknown) => e instanceof TenantopsError && e.code === 'TENANTOPS_E_DB_QUERY',
    );
    const n = await db.transaction(async (s) => {
      let count = 0;
      for await (const batch of s.streamValues!(rows, ['y'], 1000)) count += batch.length;
      return count;
    });
    assert.equal(n, 200000);
  });
});

describe('bulk reads in a backup [postgres]', () => {
  withDatabase(
    'postgres',
    'COPY writes the archive the cursor writes, with one reader and with two, and as a login with SELECT only',
    async (db, dir, url) => {
      await run(db, POSTGRES_SCHEMA);
      const config = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
      const sqls: string[] = [];
      for (const readers of [1, 2] as const) {
        const cursor = await backupTenant(without(db, ['streamValues', 'streamLines']), {
          tenantId: '1',
          config,
          out: join(dir, `cursor-${readers}.tnt`),
          readers,
        });
        assert.deepEqual(
          cursor.manifest.tables.filter((t) => t.rows > BATCH_ROWS).map((t) => t.name),
          ['vals', 'tags'],
          'both tables hold more than a batch of the tenant',
        );
        // Values in COPY text, encoded here; and lines the server built, in binary COPY.
        for (const [name, db2] of [
          ['values', without(db, ['streamLines'])],
          ['lines', db],
        ] as const) {
          const before = sqls.length;
          const copy = await backupTenant(counting(db2, sqls), {
            tenantId: '1',
            config,
            out: join(dir, `copy-${name}-${readers}.tnt`),
            readers,
          });
          assert.equal(sqls.length - before, 2, `${name}, readers ${readers}: both large tables read through COPY`);
          assert.deepEqual(tablesOf(copy.manifest), tablesOf(cursor.manifest), `${name}, readers ${readers}`);
        }
      }
      assert.ok(sqls.some((s) => /to_json/.test(s)) && sqls.some((s) => !/to_json/.test(s)), 'both forms were read');
      // The FK-reached table's predicate binds the tenant inside a subquery: its placeholder was typed too.
      assert.ok(sqls.some((s) => /"tags"/.test(s) && /\$1/.test(s)));
      // COPY (query) TO STDOUT, PREPARE and a tenantops.* setting need no privilege beyond SELECT (docs/backup.md).
      const ro = await createReadOnlyLogin({ engine: 'postgres', url, drop: async () => {} });
      try {
        const roDb = await connectDb(ro.url, { values: 'text' });
        try {
          const before = sqls.length;
          const r = await backupTenant(counting(roDb, sqls), { tenantId: '1', config, out: join(dir, 'ro.tnt') });
          assert.equal(sqls.length - before, 2, 'the read-only login read both large tables through COPY');
          const cursor = await backupTenant(without(db, ['streamValues', 'streamLines']), {
            tenantId: '1',
            config,
            out: join(dir, 'cursor-ro.tnt'),
          });
          assert.deepEqual(tablesOf(r.manifest), tablesOf(cursor.manifest));
        } finally {
          await roDb.close();
        }
      } finally {
        await ro.drop();
      }
    },
  );

  withDatabase('postgres', 'a COPY stopped early or failed midway leaves the connection usable', async (db) => {
    const text = (v: unknown) => String(v);
    const rows = `SELECT g, repeat('x', 100) FROM generate_series(1, $1::int) g ORDER BY g`;
    const first = await db.transaction(async (s) => {
      assert.ok(s.streamValues, 'a text-mode PostgreSQL session reads through COPY');
      let seen: unknown[][] = [];
      for await (const batch of s.streamValues(rows, [200_000], 1000)) {
        seen = batch;
        break;
      }
      // The rest of the COPY is read and dropped: the session answers again.
      const after = await s.query<{ n: unknown }>('SELECT 41 + 1 AS n');
      return [seen[0], text(after[0]!.n)];
    });
    assert.deepEqual(first, [['1', 'x'.repeat(100)], '42']);

    await assert.rejects(
      db.transaction(async (s) => {
        for await (const batch of s.streamValues!('SELECT 1 / (5000 - g) FROM generate_series(1, 9000) g', [], 100))
          void batch;
      }),
      (e: unknown) =>
        e instanceof TenantopsError && e.code === 'TENANTOPS_E_DB_QUERY' && /division by zero/.test(e.message),
    );
    const n = await db.transaction(async (s) => {
      let count = 0;
      for await (const batch of s.streamValues!(rows, ['3000'], 1000)) count += batch.length;
      return count;
    });
    assert.equal(n, 3000);
  });
});

for (const [engine, schema] of [
  ['mysql', MYSQL_SCHEMA],
  ['postgres', POSTGRES_SCHEMA],
] as const)
  withDatabase(
    engine,
    `a restore merges large tables read in bulk and plans exactly the damage, as the cursor does [${engine}]`,
    async (db, dir) => {
      await run(db, schema);
      const config = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
      const out = join(dir, 't1.tnt');
      const backup = await backupTenant(db, { tenantId: '1', config, out });
      // Rows of tenant 1 in both engines' data (seed ids 1, 2, 5 and 6 are org 1): each table updated, deleted
      // from and added to; tags holds one row more of the tenant than it did.
      await run(db, [
        "UPDATE vals SET t = 'damaged' WHERE id = 101",
        'DELETE FROM tags WHERE id IN (202, 406)',
        'DELETE FROM vals WHERE id = 406',
        "UPDATE tags SET label = 'x' WHERE id = 305",
        "INSERT INTO tags VALUES (99999, 101, 'new')",
      ]);
      const expected = [
        ['vals', 1, 1, 0],
        ['tags', 2, 1, 1],
      ];
      const changes = (r: Awaited<ReturnType<typeof restoreTenant>>) =>
        r.tables.filter((t) => t.insert + t.update + t.delete).map((t) => [t.table, t.insert, t.update, t.delete]);
      const dry = await restoreTenant(without(db, ['streamValues', 'streamLines']), {
        archive: out,
        safetyDir: join(dir, 'safety'),
        dryRun: true,
      });
      assert.deepEqual(changes(dry), expected, 'the cursor finds the damage');
      const sqls: string[] = [];
      const r = await restoreTenant(counting(db, sqls), { archive: out, safetyDir: join(dir, 'safety') });
      assert.deepEqual(changes(r), expected, 'the bulk reader finds the same damage, and nothing else');
      assert.equal(r.written, 6);
      for (const t of ['vals', 'tags'])
        assert.ok(
          sqls.some((q) => q.includes(t)),
          `${t} was read in bulk: ${sqls.join('; ')}`,
        );
      const again = await backupTenant(db, { tenantId: '1', config, out: join(dir, 'again.tnt') });
      assert.deepEqual(tablesOf(again.manifest), tablesOf(backup.manifest), 'the tenant is the archive again');
    },
  );
