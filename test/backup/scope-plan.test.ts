import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildScopePlan } from '../../src/backup/scope/build-scope-plan.ts';
import { validateConfig } from '../../src/backup/index.ts';
import { emptyTable, type SchemaInfo, type TableInfo } from '../../src/backup/schema-info.ts';
import { TenantopsError } from '../../src/errors/index.ts';

import { postgresBackupDialect as d } from '../../src/backup/dialect/postgres/postgres-backup-dialect.ts';

/** A synthetic schema: table → columns, with optional FKs `col->table`. */
function schema(spec: Record<string, string[]>): SchemaInfo {
  const s: SchemaInfo = new Map();
  for (const [name, cols] of Object.entries(spec)) {
    const t: TableInfo = emptyTable(name);
    for (const c of cols) {
      const [col, ref] = c.split('->');
      t.columns.push({ name: col!, type: 'bigint', nullable: true, hasDefault: false, generated: false });
      if (ref) t.foreignKeys.push({ columns: [col!], refTable: ref, refColumns: ['id'], deferrable: true });
    }
    t.primaryKey = ['id'];
    s.set(name, t);
  }
  return s;
}

const cfg = (raw: object) => validateConfig({ tenant: { table: 'store', key: 'id', column: 'store_id' }, ...raw });

test('children at any depth join through declared FKs; shared parents are listed, not included', () => {
  const s = schema({
    store: ['id'],
    film: ['id'],
    inventory: ['id', 'store_id', 'film_id->film'],
    rental: ['id', 'inventory_id->inventory'],
    payment: ['id', 'rental_id->rental'],
    audit: ['id'],
  });
  const p = buildScopePlan(s, cfg({}), d);
  assert.deepEqual(
    p.entries.map((e) => e.table),
    ['store', 'inventory', 'rental', 'payment'],
  );
  assert.equal(p.entries[3]!.how, 'foreign-key');
  assert.match(p.entries[3]!.predicate, /"rental_id" IN \(SELECT "id" FROM ONLY "rental" WHERE "inventory_id" IN/);
  assert.deepEqual(
    p.external.map((e) => `${e.from}->${e.to}`),
    ['inventory->film'],
  );
  assert.deepEqual(
    p.outOfScope.map((o) => o.table),
    ['audit', 'film'],
  );
});

test('several parent paths are a union with a warning, and parent: picks one', () => {
  const s = schema({
    store: ['id'],
    customer: ['id', 'store_id'],
    staff: ['id', 'store_id'],
    payment: ['id', 'customer_id->customer', 'staff_id->staff'],
  });
  const union = buildScopePlan(s, cfg({}), d);
  const pay = union.entries.find((e) => e.table === 'payment')!;
  assert.deepEqual(pay.parents, ['customer', 'staff']);
  assert.match(pay.predicate, / OR /);
  assert.equal(union.warnings.length, 1);
  const chosen = buildScopePlan(s, cfg({ tables: { payment: { parent: 'customer' } } }), d);
  const pay2 = chosen.entries.find((e) => e.table === 'payment')!;
  assert.deepEqual(pay2.parents, ['customer']);
  assert.doesNotMatch(pay2.predicate, / OR /);
  assert.equal(chosen.warnings.length, 0);
});

test('configured relations, where rules and exclude globs shape the plan', () => {
  const s = schema({
    store: ['id'],
    note: ['id', 'owner'],
    note__tags: ['entity_id', 'tag'],
    cache_a: ['id', 'store_id'],
    cache_b: ['id', 'store_id'],
    misc: ['id', 'store_id'],
  });
  s.get('note__tags')!.primaryKey = ['entity_id', 'tag'];
  const p = buildScopePlan(
    s,
    cfg({
      relations: [{ from: 'note__tags.entity_id', to: 'note.id' }],
      tables: { note: { where: 'owner = :tenant' }, 'cache_*': { exclude: true } },
    }),
    d,
  );
  const names = p.entries.map((e) => e.table);
  assert.deepEqual(names, ['store', 'misc', 'note', 'note__tags']);
  assert.equal(p.entries.find((e) => e.table === 'note')!.how, 'where');
  assert.equal(p.entries.find((e) => e.table === 'note__tags')!.how, 'relation');
  assert.deepEqual(
    p.outOfScope.filter((o) => o.reason === 'excluded by config').map((o) => o.table),
    ['cache_a', 'cache_b'],
  );
});

test('a FK cycle ends: each table joins the plan once', () => {
  const s = schema({
    store: ['id'],
    a: ['id', 'store_id', 'b_id->b'],
    b: ['id', 'a_id->a'],
    c: ['id', 'b_id->b', 'c_id->c'],
  });
  const p = buildScopePlan(s, cfg({}), d);
  assert.deepEqual(
    p.entries.map((e) => e.table),
    ['store', 'a', 'b', 'c'],
  );
  assert.ok(
    p.internal.some((e) => e.from === 'a' && e.to === 'b'),
    'the back edge is checked after a restore',
  );
});

test('config that names unknown tables or columns is refused with its path', () => {
  const s = schema({ store: ['id'], x: ['id', 'store_id'] });
  const bad = (raw: object, re: RegExp) =>
    assert.throws(
      () => buildScopePlan(s, cfg(raw), d),
      (e: unknown) => e instanceof TenantopsError && e.code === 'TENANTOPS_E_SCOPE' && re.test(e.message),
    );
  bad({ tables: { rentals: { exclude: true } } }, /tables\.rentals: unknown table/);
  bad({ tables: { x: { parent: 'nope' } } }, /tables\.x\.parent: unknown table "nope"/);
  bad({ relations: [{ from: 'x.nope', to: 'store.id' }] }, /relations\[0\]\.from: table "x" has no column "nope"/);
  assert.throws(
    () => buildScopePlan(s, validateConfig({ tenant: { table: 'tenants' } }), d),
    /tenant table "tenants" does not exist/,
  );
});

test('an FK into a partitioned table leads into each of its partitions, as one parent', () => {
  // PostgreSQL lists the partitions as tables and not the partitioned table the FK names.
  const s = schema({
    store: ['id'],
    ev_2025: ['id', 'store_id'],
    ev_2026: ['id', 'store_id'],
    tags: ['id', 'ev_id->ev'],
  });
  for (const p of ['ev_2025', 'ev_2026']) s.get(p)!.partitionOf = ['ev'];
  const p = buildScopePlan(s, cfg({}), d);
  const tags = p.entries.find((e) => e.table === 'tags');
  assert.ok(tags, `tags is in scope: ${JSON.stringify(p.outOfScope)}`);
  assert.deepEqual(tags.dependsOn, ['ev_2025', 'ev_2026']);
  assert.equal(tags.detail, 'ev_id → ev.id (foreign-key)');
  assert.deepEqual(p.warnings, []);
  // Read through the partitioned table, once: a subquery per partition made a restore 200 times slower.
  assert.match(tags.predicate, /^"ev_id" IN \(SELECT "id" FROM "ev" WHERE /);
  assert.doesNotMatch(tags.predicate, /ev_20/);
});
