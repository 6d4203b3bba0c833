// A tenant id names one tenant, compared exactly: another spelling of an integer ('01', '+1', ' 1') is refused
// before anything is read, and an id that the key's collation only finds equal ('ABC' for 'abc', 'abc ' under
// PAD SPACE) is no tenant at all. Until 2026-12-07 both found the other tenant's key: '01' backed up tenant 1 under
// another name, 'ABC' wrote an archive of nothing; and ids of 20 digits (BIGINT UNSIGNED) were refused.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import type { TestEngine } from '../helpers/test-databases.ts';
import { exactDigest, roundTrip, run, withDatabase } from './exact-harness.ts';

const code = (c: string) => (e: unknown) => e instanceof TenantopsError && e.code === c;
const BIG = '18446744073709551615';

for (const engine of ['mysql', 'postgres', 'pglite'] as const satisfies TestEngine[]) {
  withDatabase(engine, `integer tenant ids: one spelling each, up to 20 digits [${engine}]`, async (db, dir) => {
    const my = engine === 'mysql';
    await run(db, [
      `CREATE TABLE orgs (id ${my ? 'BIGINT UNSIGNED' : 'numeric(20)'} PRIMARY KEY)`,
      `CREATE TABLE items (id BIGINT PRIMARY KEY, org_id ${my ? 'BIGINT UNSIGNED' : 'numeric(20)'} NOT NULL, v VARCHAR(10))`,
      `INSERT INTO orgs VALUES (1), (0), (${BIG})`,
      `INSERT INTO items VALUES (1, 1, 'one'), (2, 0, 'zero'), (3, ${BIG}, 'big')`,
    ]);
    const config = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
    for (const id of ['01', '+1', ' 1', '1 ', '-0', '00', '1.0', '1e0'])
      await assert.rejects(
        backupTenant(db, { tenantId: id, config, out: join(dir, 'x.tnt') }),
        (e: unknown) => code('TENANTOPS_E_USAGE')(e) && /without leading zeros/.test((e as Error).message),
        JSON.stringify(id),
      );
    const out = join(dir, 'big.tnt');
    const b = await backupTenant(db, { tenantId: BIG, config, out });
    assert.equal(b.manifest.tables.find((t) => t.name === 'items')!.rows, 1);
    const before = await exactDigest(db, ['orgs', 'items']);
    await run(db, [`DELETE FROM items WHERE org_id = ${BIG}`]);
    await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
    assert.deepEqual(await exactDigest(db, ['orgs', 'items']), before);
    const zero = await backupTenant(db, { tenantId: '0', config, out: join(dir, 'zero.tnt') });
    assert.equal(zero.manifest.tables.find((t) => t.name === 'items')!.rows, 1);
  });
}

withDatabase(
  'mysql',
  "an id the key's collation only finds equal is no tenant ('ABC', 'abc ' for 'abc')",
  async (db, dir) => {
    await run(db, [
      'CREATE TABLE orgs (code VARCHAR(10) COLLATE utf8mb4_general_ci PRIMARY KEY)',
      'CREATE TABLE items (id BIGINT PRIMARY KEY, org_code VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL)',
      "INSERT INTO orgs VALUES ('abc')",
      "INSERT INTO items VALUES (1, 'abc')",
    ]);
    const config = validateConfig({ tenant: { table: 'orgs', key: 'code', column: 'org_code' } });
    for (const id of ['ABC', 'abc ', 'Abc'])
      await assert.rejects(
        backupTenant(db, { tenantId: id, config, out: join(dir, 'x.tnt') }),
        code('TENANTOPS_E_TENANT_NOT_FOUND'),
        JSON.stringify(id),
      );
    const b = await backupTenant(db, { tenantId: 'abc', config, out: join(dir, 'abc.tnt') });
    assert.equal(b.manifest.tables.find((t) => t.name === 'items')!.rows, 1);
  },
);

// A tenant column of a domain over citext (or over a domain over it) compares case-insensitively like citext
// itself: until 2026-12-07 only a column typed citext was compared exactly, so tenant 'abc''s backup held tenant
// 'ABC''s rows, and restoring it rewrote them.
withDatabase('postgres', 'a tenant column of a domain over citext never matches another tenant', async (db, dir) => {
  await run(db, [
    'CREATE EXTENSION IF NOT EXISTS citext',
    'CREATE DOMAIN code_ci AS citext',
    'CREATE DOMAIN tenant_code AS code_ci',
    'CREATE TABLE orgs (code text PRIMARY KEY)',
    'CREATE TABLE items (id bigint PRIMARY KEY, org_code tenant_code NOT NULL, v text)',
    "INSERT INTO orgs VALUES ('abc'), ('ABC')",
    "INSERT INTO items VALUES (1, 'abc', 'mine'), (2, 'ABC', 'theirs')",
  ]);
  const r = await roundTrip(db, dir, {
    tables: ['orgs', 'items'],
    tenant: 'abc',
    config: { tenant: { table: 'orgs', key: 'code', column: 'org_code' } },
    changeOthers: ["UPDATE items SET v = 'theirs2' WHERE id = 2"],
    damage: ["UPDATE items SET v = 'x' WHERE id = 1"],
  });
  assert.equal(r.tables.find((t) => t.table === 'items')!.archived, 1, "only 'abc' itself");
});

// A text tenant key whose tenant column elsewhere is an integer (ids '1', '01', 'abc', '0' are four tenants of the
// key, and an integer column holds only the canonical ones): compared as numbers, '01' took tenant '1''s rows and on
// MariaDB 'abc' took tenant '0''s. The id of a text key is now compared as text there too. 2,500 rows of tenant '1'
// take the bulk read (COPY on PostgreSQL, whose parameter is then typed text).
for (const engine of ['mysql', 'postgres', 'pglite'] as const satisfies TestEngine[]) {
  withDatabase(engine, `a text tenant key with an integer tenant column [${engine}]`, async (db, dir) => {
    await run(db, [
      'CREATE TABLE orgs (code VARCHAR(10) PRIMARY KEY)',
      'CREATE TABLE items (id BIGINT PRIMARY KEY, org_code INT NOT NULL, v VARCHAR(10))',
      "INSERT INTO orgs VALUES ('abc'), ('0'), ('1'), ('01')",
      engine === 'mysql'
        ? "INSERT INTO items SELECT seq, 1, 'one' FROM seq_1_to_2500"
        : "INSERT INTO items SELECT n, 1, 'one' FROM generate_series(1, 2500) n",
      "INSERT INTO items VALUES (0, 0, 'zero')",
    ]);
    const config = validateConfig({ tenant: { table: 'orgs', key: 'code', column: 'org_code' } });
    const rows = async (t: string) =>
      (await backupTenant(db, { tenantId: t, config, out: join(dir, `t-${t}.tnt`) })).manifest.tables.find(
        (x) => x.name === 'items',
      )!.rows;
    assert.deepEqual(
      [await rows('abc'), await rows('01'), await rows('1'), await rows('0')],
      [0, 0, 2500, 1],
      'abc, 01, 1, 0',
    );
    await roundTrip(db, dir, {
      tables: ['orgs', 'items'],
      tenant: '1',
      config,
      changeOthers: ["UPDATE items SET v = 'zero2' WHERE id = 0"],
      damage: ["UPDATE items SET v = 'x' WHERE id BETWEEN 1 AND 9", 'DELETE FROM items WHERE id > 2400'],
    });
  });
}
