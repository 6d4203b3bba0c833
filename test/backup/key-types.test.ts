// [restore-exact] Keys whose type needs care where a restore finds rows by them: updates, deletes and read-backs
// bind the archive's key values as parameters that the server compares with the key column.
import assert from 'node:assert/strict';
import { roundTrip, run, withDatabase } from './exact-harness.ts';

// A composite-type key (or a domain over one): `key IN ($1)` typed $1 as an anonymous record, which PostgreSQL
// cannot read. Every restore that updated or deleted such a row failed and rolled back ("input of anonymous
// composite types is not implemented"); one that only inserted passed.
for (const engine of ['postgres', 'pglite'] as const)
  for (const bulkMinRows of [Number.POSITIVE_INFINITY, 1])
    withDatabase(
      engine,
      `composite and domain-over-composite keys: rows are updated and deleted by them [${engine}] (bulkMinRows ${bulkMinRows})`,
      async (db, dir) => {
        await run(db, [
          'CREATE TYPE pair AS (a int, b text)',
          'CREATE DOMAIN dpair AS pair',
          'CREATE TABLE orgs (id bigint PRIMARY KEY)',
          'INSERT INTO orgs VALUES (1), (2)',
          'CREATE TABLE k (k pair PRIMARY KEY, org_id bigint NOT NULL, v text)',
          'CREATE TABLE kd (k dpair PRIMARY KEY, org_id bigint NOT NULL, v text)',
          "INSERT INTO k VALUES (ROW(1, 'b'), 1, 'a'), (ROW(10, 'a'), 1, 'b'), (ROW(NULL, 'a'), 1, 'c'), (ROW(3, 'c'), 2, 'u')",
          "INSERT INTO kd VALUES (ROW(1, 'b'), 1, 'a'), (ROW(10, 'a'), 1, 'b'), (ROW(3, 'c'), 2, 'u')",
        ]);
        const r = await roundTrip(db, dir, {
          bulkMinRows,
          tables: ['orgs', 'k', 'kd'],
          config: { tenant: { table: 'orgs', key: 'id', column: 'org_id' } },
          changeOthers: ["UPDATE k SET v = 'u2' WHERE org_id = 2"],
          damage: [
            "UPDATE k SET v = 'x' WHERE org_id = 1",
            "DELETE FROM k WHERE k = ROW(10, 'a')::pair",
            "INSERT INTO k VALUES (ROW(99, 'z'), 1, 'n')",
            "UPDATE kd SET v = 'x' WHERE org_id = 1",
            "INSERT INTO kd VALUES (ROW(99, 'z'), 1, 'n')",
          ],
        });
        const counts = (t: string) => {
          const x = r.tables.find((y) => y.table === t)!;
          return [x.insert, x.update, x.delete];
        };
        assert.deepEqual(counts('k'), [1, 2, 1], 'k: one row inserted, two updated, one deleted');
        assert.deepEqual(counts('kd'), [0, 2, 1], 'kd: two rows updated, one deleted');
      },
    );
