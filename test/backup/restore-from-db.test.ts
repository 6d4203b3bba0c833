// [fleet] restore --from-db: a tenant copied from another database (last night's dump restored into a scratch
// database, a delayed replica) with every guarantee of restore; another engine family is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb, type Db } from '../../src/db/index.ts';
import { restoreTenant, restoreTenantFromDb, validateConfig } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { createTempDatabase, ENGINES, skipReason, type TestEngine } from '../helpers/test-databases.ts';
import { run } from './exact-harness.ts';

const CONFIG = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
const code = (c: string) => (e: unknown) => e instanceof TenantopsError && e.code === c;

const SCHEMA = [
  'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
  'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(40))',
  'INSERT INTO orgs VALUES (1), (2)',
];

const items = async (db: Db, org: number) =>
  (await db.query(`SELECT id, v FROM items WHERE org_id = ${org} ORDER BY id`)).map((r) => `${r.id}:${r.v}`);

async function open(engine: TestEngine) {
  const tmp = await createTempDatabase(engine);
  const db = await connectDb(tmp.url, { values: 'text' });
  await run(db, SCHEMA);
  return { db, close: async () => (await db.close(), await tmp.drop()) };
}

function withTwo(engine: TestEngine, title: string, fn: (source: Db, target: Db, dir: string) => Promise<void>) {
  test(`${title} [${engine}]`, async (t) => {
    const why = await skipReason(engine);
    if (why) return t.skip(why);
    const a = await open(engine);
    const b = await open(engine);
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-fromdb-'));
    try {
      await fn(a.db, b.db, dir);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const engine of ENGINES) {
  withTwo(
    engine,
    "copies the source's tenant over the target's, verified, with a safety backup to undo it",
    async (source, target, dir) => {
      // Yesterday (source): tenant 1 had items 1-3. Today (target): item 2 changed, 3 deleted, 4 added; tenant 2 has its own rows.
      await run(source, ["INSERT INTO items VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 1, 'c'), (10, 2, 'src-other')"]);
      await run(target, ["INSERT INTO items VALUES (1, 1, 'a'), (2, 1, 'B!'), (4, 1, 'new'), (20, 2, 'keep')"]);
      const work = join(dir, 'work');
      mkdirSync(work, { mode: 0o700 });
      const r = await restoreTenantFromDb(target, source, {
        tenantId: '1',
        config: CONFIG,
        safetyDir: join(dir, 'safety'),
      });
      assert.deepEqual(await items(target, 1), ['1:a', '2:b', '3:c']);
      assert.deepEqual(await items(target, 2), ['20:keep'], "another tenant's rows are neither copied nor touched");
      assert.equal(r.written, 3); // update 2, insert 3, delete 4
      assert.deepEqual(readdirSync(work), [], 'the temp archive is removed');
      // The safety backup is readable without the throwaway key, and restoring it is the rollback.
      await restoreTenant(target, { archive: r.safetyBackup!, safetyDir: join(dir, 'safety2') });
      assert.deepEqual(await items(target, 1), ['1:a', '2:B!', '4:new']);
    },
  );

  withTwo(
    engine,
    "refuses, writing nothing, a copy that collides with another tenant's row",
    async (source, target, dir) => {
      await run(source, ["INSERT INTO items VALUES (1, 1, 'a'), (5, 1, 'mine in the source')"]);
      await run(target, ["INSERT INTO items VALUES (1, 1, 'a'), (5, 2, 'tenant 2 owns 5 here')"]);
      await assert.rejects(
        restoreTenantFromDb(target, source, { tenantId: '1', config: CONFIG, safetyDir: join(dir, 's') }),
        code('TENANTOPS_E_KEY_COLLISION'),
      );
      assert.deepEqual(await items(target, 1), ['1:a']);
      assert.deepEqual(await items(target, 2), ['5:tenant 2 owns 5 here']);
      assert.deepEqual(readdirSync(dir), [], 'no temp archive and no safety backup left');
    },
  );

  withTwo(engine, 'refuses a source whose schema differs from the target', async (source, target, dir) => {
    await run(source, [
      'ALTER TABLE items ADD COLUMN extra INT NOT NULL DEFAULT 0',
      "INSERT INTO items VALUES (1, 1, 'a', 7)",
    ]);
    await assert.rejects(
      restoreTenantFromDb(target, source, { tenantId: '1', config: CONFIG, safetyDir: join(dir, 's') }),
      code('TENANTOPS_E_SCHEMA_MISMATCH'),
    );
    assert.deepEqual(await items(target, 1), []);
  });
  // Two databases are in play: an error about the source must say so, or an operator looks for the tenant or the
  // table in the target, where it is.
  withTwo(
    engine,
    'a source without the tenant is refused, naming the source, the target untouched',
    async (s, t, dir) => {
      await run(s, ['DELETE FROM orgs WHERE id = 1']);
      await run(t, ["INSERT INTO items VALUES (1, 1, 'today')"]);
      await assert.rejects(
        restoreTenantFromDb(t, s, { tenantId: '1', config: CONFIG, safetyDir: join(dir, 's') }),
        (e: unknown) =>
          code('TENANTOPS_E_TENANT_NOT_FOUND')(e) &&
          (e as Error).message.includes(`source ${s.target.redacted}`) &&
          !(e as Error).message.includes(t.target.redacted),
      );
      assert.deepEqual(await items(t, 1), ['1:today']);
      assert.deepEqual(readdirSync(dir), []);
    },
  );

  withTwo(engine, 'a source without the tenant table is refused, naming the source', async (s, t, dir) => {
    await run(s, ['DROP TABLE items', 'DROP TABLE orgs']);
    await run(t, ["INSERT INTO items VALUES (1, 1, 'today')"]);
    await assert.rejects(
      restoreTenantFromDb(t, s, { tenantId: '1', config: CONFIG, safetyDir: join(dir, 's') }),
      (e: unknown) => code('TENANTOPS_E_SCOPE')(e) && (e as Error).message.includes(`source ${s.target.redacted}`),
    );
    assert.deepEqual(await items(t, 1), ['1:today']);
  });
}

test('a source on another engine family is refused before anything is read [mysql -> postgres]', async (t) => {
  for (const e of ['mysql', 'postgres'] as const) {
    const why = await skipReason(e);
    if (why) return t.skip(why);
  }
  const a = await open('mysql');
  const b = await open('postgres');
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-fromdb-'));
  try {
    await assert.rejects(
      restoreTenantFromDb(b.db, a.db, { tenantId: '1', config: CONFIG, safetyDir: join(dir, 's') }),
      (e: unknown) =>
        code('TENANTOPS_E_SCHEMA_MISMATCH')(e) && /source is mysql, target is postgres/.test((e as Error).message),
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
