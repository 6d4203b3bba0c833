// [restore-exact] A restore merges the archive with the tenant's rows in one order, computed alike by the server
// and by compareRows (text by its UTF-8 bytes). MariaDB sorted a latin1 (cp1252) or cp1251 key by its own bytes,
// an order UTF-8 does not share ('€' 0x80 before 'Ÿ' 0x9F and 'é' 0xE9; in UTF-8 after both): the merge took
// unchanged keys for deletes plus inserts, so a restore wrote rows it did not need to, and was refused outright
// (TENANTOPS_E_SHARED_ROWS) when another tenant's row referenced one of them.
import assert from 'node:assert/strict';
import { changeCounts, roundTrip, run, withDatabase } from './exact-harness.ts';

for (const bulkMinRows of [Number.POSITIVE_INFINITY, 1])
  withDatabase(
    'mysql',
    `keys in latin1 and cp1251 merge in one order; another tenant's reference to one of them stays (bulkMinRows ${bulkMinRows})`,
    async (db, dir) => {
      await run(db, [
        'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
        'CREATE TABLE `k` (`code` VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_bin PRIMARY KEY, `org_id` BIGINT NOT NULL, `v` VARCHAR(10))',
        'CREATE TABLE `kc` (`code` VARCHAR(10) CHARACTER SET cp1251 NOT NULL, `org_id` BIGINT NOT NULL, `v` VARCHAR(10), PRIMARY KEY (`org_id`, `code`))',
        'CREATE TABLE `ref` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `code` VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_bin, FOREIGN KEY (`code`) REFERENCES `k` (`code`))',
        'INSERT INTO `orgs` VALUES (1), (2)',
        "INSERT INTO `k` VALUES ('€', 1, 'a'), ('é', 1, 'b'), ('z', 1, 'c'), ('Ÿ', 1, 'd'), ('ÿ', 1, 'e'), ('u', 2, 'u')",
        "INSERT INTO `kc` VALUES ('я', 1, 'a'), ('Ё', 1, 'b'), ('z', 1, 'c'), ('Ђ', 1, 'd'), ('ў', 1, 'e'), ('u', 2, 'u')",
        "INSERT INTO `ref` VALUES (1, 2, 'Ÿ')",
      ]);
      const r = await roundTrip(db, dir, {
        bulkMinRows,
        tables: ['orgs', 'k', 'kc', 'ref'],
        config: { tenant: { table: 'orgs', key: 'id', column: 'org_id' } },
        changeOthers: ["UPDATE `k` SET `v` = 'u2' WHERE `org_id` = 2"],
        damage: [
          "UPDATE `k` SET `v` = 'x' WHERE `org_id` = 1",
          "DELETE FROM `k` WHERE `code` IN ('€', 'ÿ')",
          "INSERT INTO `k` VALUES ('Š', 1, 'n')",
          "UPDATE `kc` SET `v` = 'x' WHERE `org_id` = 1",
          "DELETE FROM `kc` WHERE `code` IN ('Ђ')",
          "INSERT INTO `kc` VALUES ('ђ', 1, 'n')",
        ],
      });
      const counts = (t: string) => changeCounts(r, t);
      assert.deepEqual(counts('k'), [2, 3, 1], 'k: € and ÿ inserted, three rows updated, Š deleted');
      assert.deepEqual(counts('kc'), [1, 4, 1], 'kc: Ђ inserted, four rows updated, ђ deleted');
    },
  );

// MariaDB sorts a version-1 UUID (what its UUID() makes) by its time fields, segments swapped, and TIME
// numerically: '00000000-ffff-1000-…' after 'ffffffff-0000-1000-…', '-10:00:00' before '-09:00:00'. Same defect.
for (const bulkMinRows of [Number.POSITIVE_INFINITY, 1])
  withDatabase(
    'mysql',
    `UUID and negative TIME keys merge in their text's order (bulkMinRows ${bulkMinRows})`,
    async (db, dir) => {
      const [a, b, c, d] = [
        'ffffffff-0000-1000-8000-000000000001',
        '00000000-ffff-1000-8000-000000000002',
        '00000000-0000-1001-8000-000000000003',
        '7fffffff-7fff-1000-8000-000000000004',
      ];
      await run(db, [
        'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
        'CREATE TABLE `k` (`u` UUID PRIMARY KEY, `org_id` BIGINT NOT NULL, `v` VARCHAR(10))',
        'CREATE TABLE `t` (`tm` TIME PRIMARY KEY, `org_id` BIGINT NOT NULL, `v` VARCHAR(10))',
        'CREATE TABLE `ref` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `u` UUID, FOREIGN KEY (`u`) REFERENCES `k` (`u`))',
        'INSERT INTO `orgs` VALUES (1), (2)',
        `INSERT INTO \`k\` VALUES ('${a}', 1, 'a'), ('${b}', 1, 'b'), ('${c}', 1, 'c'), ('${d}', 2, 'u')`,
        "INSERT INTO `t` VALUES ('-10:00:00', 1, 'a'), ('-09:00:00', 1, 'b'), ('01:00:00', 1, 'c'), ('-100:00:00', 1, 'd'), ('02:00:00', 2, 'u')",
        `INSERT INTO \`ref\` VALUES (1, 2, '${b}')`,
      ]);
      const r = await roundTrip(db, dir, {
        bulkMinRows,
        tables: ['orgs', 'k', 't', 'ref'],
        config: { tenant: { table: 'orgs', key: 'id', column: 'org_id' } },
        changeOthers: ["UPDATE `k` SET `v` = 'u2' WHERE `org_id` = 2"],
        damage: [
          "UPDATE `k` SET `v` = 'x' WHERE `org_id` = 1",
          `DELETE FROM \`k\` WHERE \`u\` = '${a}'`,
          "UPDATE `t` SET `v` = 'x' WHERE `org_id` = 1",
          "DELETE FROM `t` WHERE `tm` = '-10:00:00'",
        ],
      });
      const counts = (t: string) => changeCounts(r, t);
      assert.deepEqual(counts('k'), [1, 2, 0]);
      assert.deepEqual(counts('t'), [1, 3, 0]);
    },
  );

// PostgreSQL sorts a date or timestamp key as the instant it is, which is not its text's order for a BC date
// ('0044-03-15 BC' before '0001-01-01 BC', both before '0001-01-01') or a year of five digits ('10000-01-01' after
// '9999-12-31'). Same defect: unchanged keys taken for deletes plus inserts, and a restore refused when another
// tenant referenced one of them.
for (const engine of ['postgres', 'pglite'] as const)
  for (const bulkMinRows of [Number.POSITIVE_INFINITY, 1])
    withDatabase(
      engine,
      `BC and five-digit-year date and timestamptz keys merge in the server's order [${engine}] (bulkMinRows ${bulkMinRows})`,
      async (db, dir) => {
        await run(db, [
          'CREATE TABLE orgs (id bigint PRIMARY KEY)',
          'CREATE TABLE d (day date PRIMARY KEY, org_id bigint NOT NULL, v text)',
          'CREATE TABLE ts (org_id bigint NOT NULL, at timestamptz NOT NULL, v text, PRIMARY KEY (org_id, at))',
          'CREATE TABLE ref (id bigint PRIMARY KEY, org_id bigint NOT NULL, day date REFERENCES d (day))',
          'INSERT INTO orgs VALUES (1), (2)',
          `INSERT INTO d VALUES ('0044-03-15 BC', 1, 'a'), ('0001-01-01 BC', 1, 'b'), ('0001-01-01', 1, 'c'),
             ('9999-12-31', 1, 'd'), ('10000-01-01', 1, 'e'), ('infinity', 1, 'f'), ('2000-01-01', 2, 'u')`,
          `INSERT INTO ts VALUES (1, '0044-03-15 12:00 BC', 'a'), (1, '0001-01-01 00:00 BC', 'b'),
             (1, '0001-01-01 00:00:00.5 BC', 'c'), (1, '2000-01-01', 'd'), (1, '12000-01-01', 'e'), (2, '2000-01-01', 'u')`,
          "INSERT INTO ref VALUES (1, 2, '0001-01-01 BC'), (2, 2, '10000-01-01')",
        ]);
        const r = await roundTrip(db, dir, {
          bulkMinRows,
          tables: ['orgs', 'd', 'ts', 'ref'],
          config: { tenant: { table: 'orgs', key: 'id', column: 'org_id' } },
          changeOthers: ["UPDATE d SET v = 'u2' WHERE org_id = 2"],
          damage: [
            "UPDATE d SET v = 'x' WHERE org_id = 1 AND v <> 'f'",
            "DELETE FROM d WHERE day = '0044-03-15 BC'",
            "DELETE FROM ts WHERE org_id = 1 AND v IN ('a', 'd')",
            "UPDATE ts SET v = 'x' WHERE org_id = 1",
          ],
        });
        const counts = (t: string) => changeCounts(r, t);
        assert.deepEqual(counts('d'), [1, 4, 0], 'd: 44 BC inserted, four rows updated');
        assert.deepEqual(counts('ts'), [2, 3, 0], 'ts: two rows inserted, three updated');
      },
    );

// Keys PostgreSQL sorted natively in an order that is not their text's: citext compares in lower case even under
// COLLATE "C" ('a' before 'B'), an array element by element ('{a}' before '{a,b}'), char(n) without its padding ('a'
// before 'a' and a tab) and a range with 'empty' first. Same defect; the backup now sorts them by their text.
for (const engine of ['postgres', 'pglite'] as const)
  for (const bulkMinRows of [Number.POSITIVE_INFINITY, 1])
    withDatabase(
      engine,
      `citext, text[], char(n) and daterange keys merge in their text's order [${engine}] (bulkMinRows ${bulkMinRows})`,
      async (db, dir) => {
        const keys: [string, string, string[]][] = [
          ['ka', 'text[]', ["'{a}'", "'{a,b}'", '\'{"a b"}\'']],
          ['kc', 'char(3)', ["'a'", "E'a\\t'", "'a!'"]],
          ['kr', 'daterange', ["'empty'", "'[2024-01-01,2024-02-01)'", "'[2024-01-01,)'"]],
          ...(engine === 'postgres' ? [['ki', 'citext', ["'a'", "'B'", "'c'"]] as [string, string, string[]]] : []),
        ];
        await run(db, [
          ...(engine === 'postgres' ? ['CREATE EXTENSION IF NOT EXISTS citext'] : []),
          'CREATE TABLE orgs (id bigint PRIMARY KEY)',
          'INSERT INTO orgs VALUES (1), (2)',
          ...keys.flatMap(([t, type, values]) => [
            `CREATE TABLE ${t} (k ${type} PRIMARY KEY, org_id bigint NOT NULL, v text)`,
            `CREATE TABLE ${t}_ref (id bigint PRIMARY KEY, org_id bigint NOT NULL, k ${type} REFERENCES ${t} (k))`,
            `INSERT INTO ${t} VALUES ${values.map((x, i) => `(${x}, 1, 'v${i}')`).join(', ')}`,
            // Another tenant's row references the second key: rewriting it would be refused.
            `INSERT INTO ${t}_ref VALUES (1, 2, ${values[1]})`,
          ]),
        ]);
        const r = await roundTrip(db, dir, {
          bulkMinRows,
          tables: ['orgs', ...keys.map(([t]) => t)],
          config: { tenant: { table: 'orgs', key: 'id', column: 'org_id' } },
          changeOthers: [],
          damage: keys.flatMap(([t, , values]) => [
            `DELETE FROM ${t} WHERE k = ${values[0]}`,
            `UPDATE ${t} SET v = 'x' WHERE k = ${values[2]}`,
          ]),
        });
        for (const [t] of keys) {
          const x = r.tables.find((y) => y.table === t)!;
          assert.deepEqual([x.insert, x.update, x.delete], [1, 1, 0], t);
        }
      },
    );

// A ucs2, utf16, utf16le or utf32 column (legacy schemas; NVARCHAR migrated from SQL Server) beside a utf8mb4 one
// made the table's backup fail: the row hash joined it with the utf8mb4 of the other values in one CONCAT_WS, which MariaDB refuses
// ("Illegal mix of collations for operation 'concat_ws'"). Such keys also sort as their UTF-8 bytes.
for (const bulkMinRows of [Number.POSITIVE_INFINITY, 1])
  withDatabase(
    'mysql',
    `ucs2, utf16, utf16le and utf32 keys and values back up and restore exactly (bulkMinRows ${bulkMinRows})`,
    async (db, dir) => {
      const sets = ['ucs2', 'utf16', 'utf16le', 'utf32'];
      // ￚ (U+FFDA) sorts after every character below U+10000 in UTF-16, before 🚀 in UTF-8; in ucs2 no 🚀.
      const keys = (cs: string) => ['b', 'A', 'ö', 'ￚ', ...(cs === 'ucs2' ? [] : ['🚀'])];
      await run(db, [
        'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
        'INSERT INTO `orgs` VALUES (1), (2)',
        ...sets.flatMap((cs) => [
          `CREATE TABLE \`k_${cs}\` (\`k\` VARCHAR(10) CHARACTER SET ${cs} PRIMARY KEY, \`org_id\` BIGINT NOT NULL, \`v\` VARCHAR(10) CHARACTER SET utf8mb4)`,
          `CREATE TABLE \`r_${cs}\` (\`id\` BIGINT PRIMARY KEY, \`org_id\` BIGINT NOT NULL, \`k\` VARCHAR(10) CHARACTER SET ${cs}, FOREIGN KEY (\`k\`) REFERENCES \`k_${cs}\` (\`k\`))`,
          `INSERT INTO \`k_${cs}\` VALUES ${keys(cs)
            .map((k, i) => `('${k}', 1, 'v${i}ñ')`)
            .join(', ')}, ('q', 2, 'u')`,
          `INSERT INTO \`r_${cs}\` VALUES (1, 2, 'ö')`,
        ]),
      ]);
      const r = await roundTrip(db, dir, {
        bulkMinRows,
        tables: ['orgs', ...sets.map((cs) => `k_${cs}`)],
        config: { tenant: { table: 'orgs', key: 'id', column: 'org_id' } },
        changeOthers: sets.map((cs) => `UPDATE \`k_${cs}\` SET \`v\` = 'u2' WHERE \`org_id\` = 2`),
        damage: sets.flatMap((cs) => [
          `DELETE FROM \`k_${cs}\` WHERE \`k\` = 'b'`,
          `UPDATE \`k_${cs}\` SET \`v\` = 'x' WHERE \`k\` IN ('ö', 'ￚ')`,
        ]),
      });
      for (const cs of sets) assert.deepEqual(changeCounts(r, `k_${cs}`), [1, 2, 0], cs);
    },
  );

// A table without a key sorts its rows by every column, numbers natively: numbers equal but written differently
// (numeric '1.0', '1' and '1.00'; float8 '-0' and '0') were left in the server's order, which the next column
// decides, while compareRows orders them by their text first. A restore of such a table with any change in it took
// unchanged rows for deletes plus inserts besides the row that changed.
for (const engine of ['postgres', 'pglite'] as const)
  for (const bulkMinRows of [Number.POSITIVE_INFINITY, 1])
    withDatabase(
      engine,
      `a table without a key writes only its changed row when numbers are equal but written differently [${engine}] (bulkMinRows ${bulkMinRows})`,
      async (db, dir) => {
        await run(db, [
          'CREATE TABLE orgs (id bigint PRIMARY KEY)',
          'INSERT INTO orgs VALUES (1), (2)',
          'CREATE TABLE n (org_id bigint NOT NULL, x numeric, v text)',
          `INSERT INTO n VALUES (1, 1.0, 'a'), (1, 1, 'b'), (1, 1.00, 'a'), (1, 1.0, 'c'), (1, 0, 'z'), (1, -0.0, 'z'),
             (1, 'NaN', 'q'), (2, 1, 'u')`,
          'CREATE TABLE f (org_id bigint NOT NULL, x float8, v text)',
          "INSERT INTO f VALUES (1, '-0', 'b'), (1, '0', 'a'), (1, '-0', 'a'), (1, '0', 'c'), (2, '0', 'u')",
        ]);
        const r = await roundTrip(db, dir, {
          bulkMinRows,
          tables: ['orgs', 'n', 'f'],
          config: { tenant: { table: 'orgs', key: 'id', column: 'org_id' } },
          changeOthers: ["UPDATE n SET v = 'u2' WHERE org_id = 2"],
          damage: ["UPDATE n SET v = 'y' WHERE v = 'c'", "UPDATE f SET v = 'y' WHERE v = 'c'"],
        });
        assert.deepEqual(changeCounts(r, 'n'), [1, 0, 1], 'n: the changed row deleted and inserted, nothing else');
        assert.deepEqual(changeCounts(r, 'f'), [1, 0, 1], 'f: the changed row deleted and inserted, nothing else');
      },
    );
