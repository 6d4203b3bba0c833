// A PostgreSQL oid column refers to a large object kept outside the table: the archive holds the number only, so a
// restore after lo_unlink, or into another database, leaves the row pointing at nothing. Backup and restore say so
// (found by probing, 2026-12-08), and so does a backup of every tenant; an engine without such columns says nothing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { backupAllTenants, backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { ENGINES } from '../helpers/test-databases.ts';
import { run, withDatabase } from './exact-harness.ts';

const ORGS = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });

for (const engine of ENGINES)
  withDatabase(
    engine,
    `a column whose data the archive cannot hold is named at backup and restore [${engine}]`,
    async (db, dir) => {
      const pg = engine !== 'mysql';
      await run(db, [
        'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
        // MariaDB has no large-object references: the same table with a plain number says nothing.
        `CREATE TABLE docs (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, content ${pg ? 'oid' : 'BIGINT'}, size BIGINT)`,
        'INSERT INTO orgs VALUES (1), (2)',
        'INSERT INTO docs VALUES (1, 1, 16400, 3), (2, 2, 16401, 4)',
      ]);
      const out = join(dir, 't1.tnt');
      const expected = pg
        ? [
            'docs.content holds large-object numbers (oid): the objects themselves are not in the archive, only the numbers',
          ]
        : [];
      const b = await backupTenant(db, { tenantId: '1', config: ORGS, out });
      assert.deepEqual(b.notes, expected);
      await run(db, ['UPDATE docs SET size = 9 WHERE id = 1']);
      const r = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      assert.equal(r.written, 1);
      assert.deepEqual(
        r.notes.filter((n) => n.startsWith('docs.')),
        expected,
      );
      // Every tenant's backup (backup --all-tenants): said once for the run, before the first tenant.
      let notes: string[] | undefined;
      await backupAllTenants(db, { config: ORGS, outDir: join(dir, 'all'), onStart: (i) => void (notes = i.notes) });
      assert.deepEqual(notes, expected);
    },
  );
