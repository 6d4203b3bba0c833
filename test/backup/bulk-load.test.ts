// [restore-delta] Bulk inserts: a table with many rows to insert goes through the engine's bulk load (COPY FROM
// STDIN, PGlite's /dev/blob, LOAD DATA LOCAL INFILE) with every guarantee of the INSERT path: exact counts or a
// rollback, a duplicate key is a collision, triggers and rules as configured, a fallback where the server refuses
// LOCAL INFILE, and a kill in the middle of a load leaves the database unchanged. The values themselves are proved
// by exactness.test.ts, which runs every class through both paths.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Db } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { BULK_MIN_ROWS } from '../../src/backup/restore/apply-plan.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { ENGINES, type TestEngine } from '../helpers/test-databases.ts';
import { exactDigest, run, withDatabase } from './exact-harness.ts';

const ORGS = { tenant: { table: 'orgs', key: 'id', column: 'org_id' } };
const CHILD = new URL('./restore-child.ts', import.meta.url).pathname;
const code = (c: string) => (e: unknown) => e instanceof TenantopsError && e.code === c;

/** withDatabase, with the engine in the title. */
function withEngine(engine: TestEngine, title: string, fn: (db: Db, dir: string, url: string) => Promise<void>): void {
  withDatabase(engine, `${title} [${engine}]`, fn);
}

/** `orgs` (1, 2), and `items` with `n` rows of tenant 1 (text with a tab and a backslash, some NULLs) and 3 of 2. */
async function items(db: Db, n: number, extra = ''): Promise<void> {
  const my = db.dialect.name === 'mysql';
  await run(db, [
    'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
    `CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(600) NULL${extra})`,
    'CREATE TABLE tags (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, label VARCHAR(20))',
    'INSERT INTO orgs VALUES (1), (2)',
    my
      ? `INSERT INTO items (id, org_id, v) SELECT seq, 1, IF(seq % 7 = 0, NULL, CONCAT('row ', seq, '\\t\\\\')) FROM seq_1_to_${n}`
      : `INSERT INTO items (id, org_id, v) SELECT g, 1, CASE WHEN g % 7 = 0 THEN NULL ELSE 'row ' || g || E'\\t\\\\' END FROM generate_series(1, ${n}) g`,
    `INSERT INTO items (id, org_id, v) VALUES (${n + 1}, 2, 'u'), (${n + 2}, 2, 'u'), (${n + 3}, 2, 'u')`,
    "INSERT INTO tags VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'u')",
  ]);
}

const bulkNotes = (notes: readonly string[]) => notes.filter((n) => n.startsWith('bulk-loaded:'));

for (const engine of ENGINES) {
  withEngine(
    engine,
    'a table with many rows to insert is bulk-loaded, a small delta is not, both exactly',
    async (db, dir) => {
      const n = BULK_MIN_ROWS + 500;
      await items(db, n);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: validateConfig(ORGS), out });
      const archived = await exactDigest(db, ['orgs', 'items', 'tags']);
      await run(db, ['DELETE FROM items WHERE org_id = 1', 'DELETE FROM tags WHERE org_id = 1']);
      const safety: number[] = [];
      const full = await restoreTenant(db, {
        archive: out,
        safetyDir: join(dir, 's'),
        onProgress: (p) => p.phase === 'safety' && safety.push(p.done),
      });
      assert.deepEqual(await exactDigest(db, ['orgs', 'items', 'tags']), archived);
      // The safety backup reports its rows batch by batch as it writes them, up to every row the restore writes.
      assert.ok(
        safety.some((d) => d > 0 && d < full.written),
        `safety progress ${safety.join(', ')} of ${full.written}`,
      );
      assert.equal(safety.at(-1), full.written);
      assert.deepEqual(bulkNotes(full.notes), [`bulk-loaded: items (${n} rows)`], 'tags (2 rows) kept INSERT');
      await run(db, [`DELETE FROM items WHERE org_id = 1 AND id <= 10`]);
      const small = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      assert.equal(small.written, 10);
      assert.deepEqual(bulkNotes(small.notes), []);
      assert.deepEqual(await exactDigest(db, ['orgs', 'items', 'tags']), archived);
    },
  );

  withEngine(
    engine,
    'a duplicate key met during a bulk load is a collision, and nothing is written',
    async (db, dir) => {
      const my = engine === 'mysql';
      // A unique key over a generated column: the archive has no value to probe it with before writing, so the
      // server's own duplicate-key failure is what must stop the restore.
      await items(
        db,
        5,
        my ? ', g BIGINT AS (id % 100) PERSISTENT UNIQUE' : ', g bigint GENERATED ALWAYS AS (id % 100) STORED UNIQUE',
      );
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: validateConfig(ORGS), out });
      await run(db, [
        'DELETE FROM items WHERE org_id = 1',
        "INSERT INTO items (id, org_id, v) VALUES (103, 2, 'g = 3')",
      ]);
      const before = await exactDigest(db, ['orgs', 'items', 'tags']);
      for (const bulkMinRows of [1, Number.POSITIVE_INFINITY]) {
        const e = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), bulkMinRows }).catch(
          (x: unknown) => x,
        );
        assert.ok(code('TENANTOPS_E_KEY_COLLISION')(e), `bulkMinRows ${bulkMinRows}: ${String(e)}`);
        assert.deepEqual(await exactDigest(db, ['orgs', 'items', 'tags']), before, 'rolled back');
      }
    },
  );

  withEngine(engine, 'a bulk load that writes fewer rows than it sent is rolled back', async (db, dir) => {
    await items(db, 50);
    const out = join(dir, 't1.tnt');
    await backupTenant(db, { tenantId: '1', config: validateConfig({ ...ORGS, triggers: 'fire' }), out });
    await run(db, ['DELETE FROM items WHERE org_id = 1']);
    // Something after the backup drops one row on its way in: a trigger returning NULL on PostgreSQL; on MariaDB a
    // CHECK, which LOAD DATA LOCAL (IGNORE semantics) turns into a skipped row and a warning.
    await run(
      db,
      engine === 'mysql'
        ? ["ALTER TABLE items ADD CONSTRAINT no_row_5 CHECK (v IS NULL OR v NOT LIKE 'row 5\t%')"]
        : [
            'CREATE FUNCTION drop_row_5() RETURNS trigger AS $$ BEGIN IF NEW.id = 5 THEN RETURN NULL; END IF; RETURN NEW; END $$ LANGUAGE plpgsql',
            'CREATE TRIGGER drop_row_5 BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION drop_row_5()',
          ],
    );
    const before = await exactDigest(db, ['orgs', 'items', 'tags']);
    const e = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), bulkMinRows: 1 }).catch(
      (x: unknown) => x,
    );
    assert.ok(code('TENANTOPS_E_VERIFY_FAILED')(e), String(e));
    assert.match((e as Error).message, /a bulk load in items touched 49 rows instead of 50/);
    assert.deepEqual(await exactDigest(db, ['orgs', 'items', 'tags']), before, 'rolled back');
  });
}

for (const engine of ['postgres', 'pglite'] as const) {
  withEngine(engine, 'triggers skipped by a superuser stay skipped in a COPY', async (db, dir) => {
    await items(db, 20);
    await run(db, [
      'CREATE TABLE audit_log (what text)',
      "CREATE FUNCTION audit() RETURNS trigger AS $$ BEGIN INSERT INTO audit_log VALUES ('insert ' || NEW.id); RETURN NEW; END $$ LANGUAGE plpgsql",
      'CREATE TRIGGER audit AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION audit()',
    ]);
    const out = join(dir, 't1.tnt');
    await backupTenant(db, { tenantId: '1', config: validateConfig(ORGS), out });
    await run(db, ['DELETE FROM items WHERE org_id = 1']);
    const r = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), bulkMinRows: 1 });
    assert.ok(r.notes.includes('triggers skipped for this restore: items.audit'), r.notes.join('; '));
    assert.ok(r.notes.includes('bulk-loaded: items (20 rows)'), r.notes.join('; '));
    const audit = await db.query('SELECT COUNT(*) AS n FROM audit_log');
    assert.equal(Number(audit[0]!.n), 0);
  });

  withEngine(engine, 'a table with rules on INSERT keeps INSERT, which applies them', async (db, dir) => {
    await items(db, 20);
    await run(db, [
      'CREATE TABLE audit_log (what text)',
      "CREATE RULE audit AS ON INSERT TO items DO ALSO INSERT INTO audit_log VALUES ('insert ' || NEW.id)",
    ]);
    const out = join(dir, 't1.tnt');
    await backupTenant(db, { tenantId: '1', config: validateConfig(ORGS), out });
    const archived = await exactDigest(db, ['items']);
    await run(db, ['DELETE FROM items WHERE org_id = 1', 'DELETE FROM audit_log']);
    // Rules obey the triggers setting (a superuser's restore would skip them): let fire, they must all run.
    const fire = validateConfig({ ...ORGS, triggers: 'fire' });
    const r = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), bulkMinRows: 1, config: fire });
    assert.deepEqual(await exactDigest(db, ['items']), archived);
    assert.ok(!r.notes.some((n) => n.startsWith('bulk-loaded: items')), r.notes.join('; '));
    const audit = await db.query('SELECT COUNT(*) AS n FROM audit_log');
    assert.equal(Number(audit[0]!.n), 20, 'the rule ran for every restored row, as INSERT does');
  });
}

withEngine('mysql', 'with local_infile OFF the restore falls back to INSERT, and says so', async (db, dir) => {
  await items(db, 30);
  const out = join(dir, 't1.tnt');
  await backupTenant(db, { tenantId: '1', config: validateConfig(ORGS), out });
  const archived = await exactDigest(db, ['orgs', 'items', 'tags']);
  await run(db, ['DELETE FROM items WHERE org_id = 1']);
  const was = (await db.query('SELECT @@GLOBAL.local_infile AS v'))[0]!.v;
  // A global setting of the test server, put back at once: other clients of this server do not use LOCAL INFILE.
  await db.execute('SET GLOBAL local_infile = 0');
  try {
    const r = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), bulkMinRows: 1 });
    assert.ok(
      r.notes.includes('bulk load refused by the server (MariaDB: local_infile is OFF): rows inserted with INSERT'),
      r.notes.join('; '),
    );
    assert.deepEqual(bulkNotes(r.notes), []);
  } finally {
    await db.execute(`SET GLOBAL local_infile = ${Number(was) ? 1 : 0}`);
  }
  assert.deepEqual(await exactDigest(db, ['orgs', 'items', 'tags']), archived);
});

// PGlite is left out as in edge-cases.test.ts: killing the process is a crash of the database itself.
for (const engine of ['mysql', 'postgres'] as const) {
  withEngine(engine, 'kill -9 in the middle of a bulk load leaves the database unchanged', async (db, dir, url) => {
    // 10,000 rows of ~500 bytes: the kill comes after 5,000 rows, with megabytes already sent.
    await run(db, [
      'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
      'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(600))',
      'INSERT INTO orgs VALUES (1), (2)',
      engine === 'mysql'
        ? "INSERT INTO items SELECT seq, IF(seq > 10000, 2, 1), CONCAT(REPEAT('x', 500), seq) FROM seq_1_to_10010"
        : "INSERT INTO items SELECT g, CASE WHEN g > 10000 THEN 2 ELSE 1 END, repeat('x', 500) || g FROM generate_series(1, 10010) g",
    ]);
    const out = join(dir, 't1.tnt');
    await backupTenant(db, { tenantId: '1', config: validateConfig(ORGS), out });
    const archived = await exactDigest(db, ['orgs', 'items']);
    await run(db, ['DELETE FROM items WHERE org_id = 1']);
    const before = await exactDigest(db, ['orgs', 'items']);
    const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, url, out, join(dir, 's'), 'during-insert', '5'], {
      encoding: 'utf8',
    });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const seen = JSON.parse(r.stdout.trim()) as { load: { statement: string } | null };
    assert.ok(seen.load, 'the server was in the middle of the load when the process died');
    assert.deepEqual(await exactDigest(db, ['orgs', 'items']), before);
    // Nothing the killed load left behind is in the way of the same restore.
    const again = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), bulkMinRows: 1 });
    assert.deepEqual(bulkNotes(again.notes), ['bulk-loaded: items (10000 rows)']);
    assert.deepEqual(await exactDigest(db, ['orgs', 'items']), archived);
  });
}
