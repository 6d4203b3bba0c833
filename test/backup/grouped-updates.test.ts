// Planned updates that set the same columns go to the server as one statement per group (updateRows: a CASE per
// column, the rows found by their keys): the values must land exactly as a row-at-a-time UPDATE sets them, for every
// type, NULLs included, on every engine; rows changing a unique column and rows of a table with triggers still go
// one at a time.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, type TestEngine } from '../helpers/test-databases.ts';
import { statementSpy } from '../helpers/statement-spy.ts';
import { roundTrip, run, withDatabase } from './exact-harness.ts';

const ORGS = { tenant: { table: 'orgs', key: 'id', column: 'org_id' } };

const TYPES: Record<'mysql' | 'postgres', { columns: string; values: (i: number) => string; damage: string }> = {
  mysql: {
    columns:
      '`j` JSON NULL, `f` FLOAT NULL, `d` DOUBLE NULL, `dec` DECIMAL(40,10) NULL, `big` BIGINT UNSIGNED NULL, ' +
      "`dt` DATETIME(6) NULL, `y` YEAR NULL, `e` ENUM('a','b') NULL, `g` POINT NULL, `bin` VARBINARY(20) NULL, " +
      '`bits` BIT(10) NULL, `t` TEXT NULL, `tm` TIME(6) NULL, `l1` VARCHAR(20) CHARACTER SET latin1 NULL, `u` VARCHAR(20) UNIQUE NULL',
    values: (i) =>
      `'{"a":${i},"a":2,"n":12345678901234567890123}', 1.1 * ${i}, 0.1e0 + ${i}, '12345678901234567890.0123456789', ` +
      `18446744073709551615 - ${i}, '2024-02-29 23:59:59.12345${i}', 2000 + ${i}, 'b', ST_GeomFromText('POINT(${i} -2.25)'), ` +
      `X'00ff1${i}', b'101010101${i % 2}', 'Ñandú 🚀 ${i}', '-838:59:5${i}.000000', 'café ${i}', 'u${i}'`,
    damage:
      "UPDATE `vals` SET `j` = '[]', `f` = 2.5, `d` = NULL, `dec` = '-1', `big` = 0, `dt` = NULL, `y` = 1999, `e` = 'a', " +
      "`g` = ST_GeomFromText('POINT(9 9)'), `bin` = X'', `bits` = b'1', `t` = '', `tm` = '00:00:00', `l1` = 'x' WHERE `org_id` = 1",
  },
  postgres: {
    columns:
      'j JSON NULL, jb JSONB NULL, f REAL NULL, d DOUBLE PRECISION NULL, "dec" NUMERIC(40,10) NULL, ts TIMESTAMP(6) NULL, ' +
      'tz TIMESTAMPTZ NULL, iv INTERVAL NULL, b BYTEA NULL, bits BIT(10) NULL, t TEXT NULL, c CHAR(5) NULL, ' +
      'uu UUID NULL, ip INET NULL, arr INT[] NULL, e mood NULL, dm positive NULL, ok BOOLEAN NULL, u VARCHAR(20) UNIQUE NULL',
    values: (i) =>
      `'{"a":${i},"a":2}', '{"b":${i}}', 1.1 * ${i}, 0.1 + ${i}, '12345678901234567890.0123456789', '2024-02-29 23:59:59.12345${i}', ` +
      `'2024-01-01 10:00:00+0${i}', '${i} days 03:00', '\\x00ff1${i}', B'101010101${i % 2}', 'Ñandú 🚀 ${i}', 'ab${i}', ` +
      `'0000000${i}-0000-0000-0000-000000000000', '10.0.0.${i}/8', '{${i},NULL}', 'happy', ${i + 1}, ${i % 2 === 0}, 'u${i}'`,
    damage:
      "UPDATE vals SET j = '[]', jb = '[]', f = 2.5, d = NULL, \"dec\" = -1, ts = NULL, tz = '2000-01-01 00:00:00+00', iv = '1 second', " +
      "b = '\\x', bits = B'0000000001', t = '', c = 'x', uu = NULL, ip = '::1', arr = '{}', e = 'sad', dm = 99, ok = NULL WHERE org_id = 1",
  },
};

function typesOf(engine: TestEngine) {
  return TYPES[engine === 'mysql' ? 'mysql' : 'postgres'];
}

for (const engine of ENGINES) {
  describe(`grouped updates [${engine}]`, () => {
    withDatabase(engine, 'every type lands exactly, and the updates go in one statement', async (db, dir) => {
      const ty = typesOf(engine);
      await run(db, [
        ...(engine === 'mysql'
          ? []
          : ["CREATE TYPE mood AS ENUM ('happy', 'sad')", 'CREATE DOMAIN positive AS INTEGER CHECK (VALUE > 0)']),
        'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
        `CREATE TABLE \`vals\` (\`id\` BIGINT PRIMARY KEY, \`org_id\` BIGINT NOT NULL, ${ty.columns})`,
        'INSERT INTO `orgs` VALUES (1), (2)',
        ...[1, 2, 3, 4, 5, 6].map((i) => `INSERT INTO \`vals\` VALUES (${i}, ${i <= 5 ? 1 : 2}, ${ty.values(i)})`),
      ]);
      const { db: spied, statements } = statementSpy(db, () => true);
      const r = await roundTrip(spied, dir, {
        tables: ['orgs', 'vals'],
        config: ORGS,
        changeOthers: [
          engine === 'mysql'
            ? "UPDATE `vals` SET `t` = 'U' WHERE `org_id` = 2"
            : "UPDATE vals SET t = 'U' WHERE org_id = 2",
        ],
        // Every row of T rewritten the same way, one of them also in its unique column (which goes alone).
        damage: [ty.damage, "UPDATE `vals` SET `u` = 'moved' WHERE `id` = 3"],
      });
      assert.equal(r.tables.find((t) => t.table === 'vals')!.update, 5);
      const updates = statements.filter((x) => /^UPDATE\b/i.test(x.sql) && /\bvals\b/.test(x.sql));
      // Three restores (archive, safety backup, archive again), each: the four plain rows together, the row whose
      // unique value changes alone (taken out and put back where the engine allows it, else updated by itself).
      assert.ok(
        updates.length <= 6,
        `${updates.length} UPDATE statements: ${updates.map((x) => x.sql.slice(0, 60)).join(' | ')}`,
      );
      assert.ok(
        updates.some((x) => /\bCASE\b/.test(x.sql)),
        'a grouped UPDATE ran',
      );
    });
  });
}
