// [restore-exact] A restore of T is serialised against writers of T: their writes wait for its COMMIT (MariaDB by
// locking reads of T's rows and gaps, PostgreSQL by table locks that readers pass), so T is exactly the archive
// when it commits; writers of U are kept, and nothing deadlocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connectDb } from '../../src/db/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { backupTenant, restoreTenant, tenantDigest, validateConfig } from '../../src/backup/index.ts';
import { createTempDatabase, skipReason } from '../helpers/test-databases.ts';
import { run, twoTenantTables, withDatabase, writesWithinASecond } from './exact-harness.ts';

const ORGS = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });

for (const engine of ['mysql', 'postgres'] as const) {
  test(`writers of T wait for the restore, writers of U are kept [${engine}]`, async (t) => {
    const why = await skipReason(engine);
    if (why) return t.skip(why);
    const tmp = await createTempDatabase(engine);
    const db = await connectDb(tmp.url, { values: 'text' });
    const app = await connectDb(tmp.url);
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-conc-'));
    try {
      const auto = engine === 'mysql' ? 'BIGINT AUTO_INCREMENT PRIMARY KEY' : 'BIGSERIAL PRIMARY KEY';
      await run(db, [
        'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
        `CREATE TABLE items (id ${auto}, org_id BIGINT NOT NULL, v VARCHAR(20))`,
        'CREATE INDEX items_org ON items (org_id)',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO items (org_id, v) VALUES (1, 'a'), (1, 'b'), (2, 'u'), (2, 'u')",
      ]);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: ORGS, out });
      const archived = await tenantDigest(db, ORGS, '1');
      await run(db, [
        "UPDATE items SET v = 'damaged' WHERE org_id = 1",
        "INSERT INTO items (org_id, v) VALUES (1, 'extra')",
      ]);

      const events: string[] = [];
      let writers: Promise<unknown>[] = [];
      const insert = (org: number, v: string) =>
        app.execute(`INSERT INTO items (org_id, v) VALUES (${org}, '${v}')`).then(() => events.push(`${v} done`));
      await restoreTenant(db, {
        archive: out,
        safetyDir: join(dir, 's'),
        checkpoint: async (name) => {
          if (name === 'after-safety-backup') {
            // The application writes to both tenants while the restore holds T.
            writers = [insert(1, 'writer-T'), insert(2, 'writer-U'), insert(2, 'writer-U2')];
            await new Promise((r) => setTimeout(r, 400));
          }
          if (name === 'before-commit') events.push('commit');
        },
      });
      await Promise.all(writers);
      assert.ok(events.indexOf('writer-T done') > events.indexOf('commit'), `T's writer waited: ${events.join(', ')}`);
      const rows = await app.query('SELECT org_id, v FROM items ORDER BY id');
      const of = (org: number) => rows.filter((r) => Number(r.org_id) === org).map((r) => r.v);
      assert.deepEqual(of(2).sort(), ['u', 'u', 'writer-U', 'writer-U2'], 'every write of U is kept');
      assert.deepEqual(
        of(1).sort(),
        ['a', 'b', 'writer-T'].sort(),
        'T is the archive, plus the write that waited for it',
      );
      // Without the late write, T is byte for byte what the archive holds.
      await run(db, ["DELETE FROM items WHERE v = 'writer-T'"]);
      assert.deepEqual(await tenantDigest(db, ORGS, '1'), archived);
    } finally {
      await app.close();
      await db.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const engine of ['mysql', 'postgres'] as const) {
  test(`a writer of T that locks its row first (SELECT … FOR UPDATE, then UPDATE) waits for the restore [${engine}]`, async (t) => {
    const why = await skipReason(engine);
    if (why) return t.skip(why);
    const tmp = await createTempDatabase(engine);
    const db = await connectDb(tmp.url, { values: 'text' });
    const app = await connectDb(tmp.url);
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-conc-'));
    try {
      await run(db, [
        'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
        'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20))',
        'CREATE INDEX items_org ON items (org_id)',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO items VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'u')",
      ]);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: ORGS, out });
      await run(db, ["UPDATE items SET v = 'damaged' WHERE id = 1"]);
      const events: string[] = [];
      let writer: Promise<unknown> = Promise.resolve();
      await restoreTenant(db, {
        archive: out,
        safetyDir: join(dir, 's'),
        checkpoint: async (name) => {
          if (name === 'after-safety-backup') {
            // The application's usual read-modify-write. Had its row lock been granted now, the restore's UPDATE
            // of row 1 would wait for it while its UPDATE waited for the restore: a deadlock, one of them killed.
            writer = app.transaction(async (s) => {
              await s.query('SELECT v FROM items WHERE id = 1 FOR UPDATE');
              events.push('writer locked');
              await s.execute("UPDATE items SET v = 'writer' WHERE id = 1");
            });
            await new Promise((r) => setTimeout(r, 400));
          }
          if (name === 'before-commit') events.push('commit');
        },
      });
      await writer;
      assert.deepEqual(events, ['commit', 'writer locked'], 'the row lock waited for the COMMIT');
      assert.deepEqual(await app.query('SELECT id, v FROM items ORDER BY id'), [
        { id: 1, v: 'writer' },
        { id: 2, v: 'b' },
        { id: 3, v: 'u' },
      ]);
    } finally {
      await app.close();
      await db.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a transaction of another tenant left open on a table fails the restore after 30 s, naming it, with nothing written [postgres]', async (t) => {
  const why = await skipReason('postgres');
  if (why) return t.skip(why);
  const tmp = await createTempDatabase('postgres');
  const db = await connectDb(tmp.url, { values: 'text' });
  const other = new pg.Client({ connectionString: tmp.url });
  await other.connect();
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-conc-'));
  try {
    await run(db, [
      'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
      'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20))',
      'INSERT INTO orgs VALUES (1), (2)',
      "INSERT INTO items VALUES (1, 1, 'a'), (2, 2, 'u')",
    ]);
    const out = join(dir, 't1.tnt');
    await backupTenant(db, { tenantId: '1', config: ORGS, out });
    await run(db, ["UPDATE items SET v = 'damaged' WHERE id = 1"]);
    // An application session of tenant 2 that wrote and then sat idle in its transaction.
    const pid = String((await other.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]!.p);
    await other.query('BEGIN');
    await other.query("INSERT INTO items VALUES (3, 2, 'open')");
    await assert.rejects(
      restoreTenant(db, { archive: out, safetyDir: join(dir, 's') }),
      (e: unknown) =>
        e instanceof TenantopsError &&
        e.code === 'TENANTOPS_E_LOCKED' &&
        e.details.some((d) => d.startsWith(`pid ${pid}: idle in transaction`)),
    );
    await other.query('COMMIT');
    assert.deepEqual(await db.query('SELECT id, v FROM items ORDER BY id'), [
      { id: '1', v: 'damaged' },
      { id: '2', v: 'u' },
      { id: '3', v: 'open' },
    ]);
  } finally {
    await other.end();
    await db.close();
    await tmp.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Until 2026-12-08 MariaDB's restore waited the server's innodb_lock_wait_timeout (50 s by default) behind such a
// transaction, then failed with its raw "Lock wait timeout exceeded; try restarting transaction".
withDatabase(
  'mysql',
  'a transaction holding a row of the tenant fails the restore after 30 s as TENANTOPS_E_LOCKED, with nothing written [mysql]',
  async (db, dir, url) => {
    const app = await connectDb(url);
    try {
      await run(db, [
        'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
        'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20), KEY (org_id))',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO items VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'u')",
      ]);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: ORGS, out });
      await run(db, ["UPDATE items SET v = 'damaged' WHERE id = 1"]);
      // An application session that locked one of the tenant's rows and then sat idle in its transaction.
      await app.transaction(async (tx) => {
        await tx.query('SELECT v FROM items WHERE id = 2 FOR UPDATE');
        const t0 = Date.now();
        await assert.rejects(
          restoreTenant(db, { archive: out, safetyDir: join(dir, 's') }),
          (e: unknown) =>
            e instanceof TenantopsError && e.code === 'TENANTOPS_E_LOCKED' && /INNODB_TRX/.test(e.message),
        );
        const waited = (Date.now() - t0) / 1000;
        assert.ok(waited >= 29 && waited < 45, `gave up after ${waited} s`);
      });
      assert.deepEqual(await db.query('SELECT id, v FROM items ORDER BY id'), [
        { id: '1', v: 'damaged' },
        { id: '2', v: 'b' },
        { id: '3', v: 'u' },
      ]);
    } finally {
      await app.close();
    }
  },
);

for (const engine of ['mysql', 'postgres'] as const)
  withDatabase(
    engine,
    `a table summed on the second connection and changed before the restore locked it is planned again [${engine}]`,
    async (db, dir, url) => {
      const app = await connectDb(url);
      const tables = ['t0', 't1', 't2', 't3', 't4', 't5'];
      try {
        await run(db, twoTenantTables(tables));
        const out = join(dir, 't1.tnt');
        await backupTenant(db, { tenantId: '1', config: ORGS, out });
        const archived = await tenantDigest(db, ORGS, '1');
        // t0 differs, so the plan writes and every other table must hold still until COMMIT.
        await run(db, ["UPDATE t0 SET v = 'damaged' WHERE id = 1"]);
        const changed: string[] = [];
        await restoreTenant(db, {
          archive: out,
          safetyDir: join(dir, 's'),
          checkpoint: async (name) => {
            if (name !== 'after-digests') return;
            // Between the digests and the restore's locks (MariaDB: the tables the second connection summed are
            // not locked yet), the application changes what it can; the tables the restore already holds make it
            // wait, for a second only.
            for (const x of tables.slice(1))
              if (await writesWithinASecond(app, `UPDATE ${x} SET v = 'moved on' WHERE id = 2`)) changed.push(x);
          },
        });
        // Only MariaDB reads to lock, and so has this moment.
        if (engine === 'mysql') assert.ok(changed.length > 0, 'a table summed on the second connection was written');
        assert.deepEqual(
          await tenantDigest(db, ORGS, '1'),
          archived,
          `the tenant is the archive (changed: ${changed})`,
        );
      } finally {
        await app.close();
      }
    },
  );

test('an application transaction that writes the restored tables in another order does not deadlock with the restore [postgres]', async (t) => {
  const why = await skipReason('postgres');
  if (why) return t.skip(why);
  const tmp = await createTempDatabase('postgres');
  const db = await connectDb(tmp.url, { values: 'text' });
  const app = new pg.Client({ connectionString: tmp.url });
  await app.connect();
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-conc-'));
  try {
    await run(db, [
      'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
      'CREATE TABLE ta (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20))',
      'CREATE TABLE tb (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20))',
      'INSERT INTO orgs VALUES (1), (2)',
      "INSERT INTO ta VALUES (1, 1, 'a'), (2, 2, 'u')",
      "INSERT INTO tb VALUES (1, 1, 'a'), (2, 2, 'u')",
    ]);
    const out = join(dir, 't1.tnt');
    await backupTenant(db, { tenantId: '1', config: ORGS, out });
    const archived = await tenantDigest(db, ORGS, '1');
    await run(db, ["UPDATE ta SET v = 'damaged' WHERE id = 1"]);
    // Tenant 2's transaction writes the table the restore locks second (tb), then, while the restore waits for
    // it, the one it locks first (ta). Until 2026-12-08 the restore held ta while it waited for tb: a deadlock,
    // and the server killed one of the two ("deadlock detected").
    await app.query('BEGIN');
    await app.query("UPDATE tb SET v = 'app' WHERE id = 2");
    const restore = restoreTenant(db, { archive: out, safetyDir: join(dir, 's') }).then(
      () => 'restored',
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 500));
    await app.query("UPDATE ta SET v = 'app' WHERE id = 2");
    await app.query('COMMIT');
    assert.equal(await restore, 'restored');
    assert.deepEqual(await tenantDigest(db, ORGS, '1'), archived, 'tenant 1 is the archive');
    assert.deepEqual(await db.query('SELECT v FROM ta WHERE id = 2 UNION ALL SELECT v FROM tb WHERE id = 2'), [
      { v: 'app' },
      { v: 'app' },
    ]);
  } finally {
    await app.end();
    await db.close();
    await tmp.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
