// scopedSource: a table scoped through a parent is read as a join from the parent's tenant keys (MariaDB:
// STRAIGHT_JOIN; PostgreSQL: a LATERAL lookup per key), so that its plan cannot flip to a scan of the whole table whatever the statistics
// (docs/performance.md). Everywhere it must select exactly the rows of the table's IN-subquery predicate: each row
// once when the parent's keys repeat, none through a NULL, through two levels and through a composite key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDb, type Db } from '../../src/db/index.ts';
import { DEFAULT_CONFIG, type BackupConfig } from '../../src/backup/config/backup-config.ts';
import { scopedSelect, selectFrom } from '../../src/backup/dump-table.ts';
import { dataColumns } from '../../src/backup/archive/manifest.ts';
import { scopedSource } from '../../src/backup/scope/scoped-source.ts';
import { tenantCounts } from '../../src/backup/tenant-counts.ts';
import { tenantScope, type TenantScope } from '../../src/backup/tenant-scope.ts';
import { createTempDatabase, ENGINES, skipReason, type TempDatabase } from '../helpers/test-databases.ts';
import { sql } from './backup-fixtures.ts';

const CONFIG: BackupConfig = {
  ...DEFAULT_CONFIG,
  tenant: { table: 'tenant', key: 'id', column: 'tenant_id' },
  preset: 'none',
  // project.code repeats within a tenant: a note is reached through two projects and must be read once.
  relations: [{ from: 'project_note.code', to: 'project.code' }],
};

const SCHEMA = [
  'CREATE TABLE `tenant` (`id` INT PRIMARY KEY)',
  'CREATE TABLE `project` (`id` INT PRIMARY KEY, `tenant_id` INT NOT NULL, `code` VARCHAR(10))',
  'CREATE INDEX `ix_project_tenant` ON `project` (`tenant_id`)',
  'CREATE TABLE `task` (`id` INT PRIMARY KEY, `project_id` INT, `no` INT NOT NULL, `note` VARCHAR(20), UNIQUE (`project_id`, `no`), FOREIGN KEY (`project_id`) REFERENCES `project` (`id`))',
  'CREATE TABLE `task_tag` (`task_id` INT NOT NULL, `tag` VARCHAR(10) NOT NULL, PRIMARY KEY (`task_id`, `tag`), FOREIGN KEY (`task_id`) REFERENCES `task` (`id`))',
  'CREATE TABLE `step` (`id` INT PRIMARY KEY, `project_id` INT, `task_no` INT, FOREIGN KEY (`project_id`, `task_no`) REFERENCES `task` (`project_id`, `no`))',
  'CREATE TABLE `project_note` (`id` INT PRIMARY KEY, `code` VARCHAR(10), `body` VARCHAR(20))',
  'INSERT INTO `tenant` VALUES (1), (2)',
  "INSERT INTO `project` VALUES (10, 1, 'A'), (11, 1, 'A'), (12, 1, NULL), (20, 2, 'B'), (21, 2, 'A')",
  "INSERT INTO `task` VALUES (100, 10, 1, 't1'), (101, 10, 2, 't1'), (102, 11, 1, 't1'), (103, 12, 1, 't1'), (104, NULL, 1, 'orphan'), (200, 20, 1, 't2')",
  "INSERT INTO `task_tag` VALUES (100, 'x'), (100, 'y'), (102, 'x'), (104, 'x'), (200, 'x')",
  'INSERT INTO `step` VALUES (1, 10, 1), (2, 10, 2), (3, 11, 1), (4, NULL, 1), (5, 10, NULL), (6, 20, 1), (7, 12, 1)',
  "INSERT INTO `project_note` VALUES (1, 'A', 'shared code'), (2, 'B', 'tenant 2'), (3, NULL, 'none'), (4, 'C', 'nobody')",
  // A field table (Drupal's `entity__field` shape) under 300 parent rows of tenant 1, for the plan test.
  'CREATE TABLE `item` (`id` INT PRIMARY KEY, `tenant_id` INT NOT NULL)',
  'CREATE INDEX `ix_item_tenant` ON `item` (`tenant_id`)',
  'CREATE TABLE `item__tags` (`entity_id` INT NOT NULL, `delta` INT NOT NULL, PRIMARY KEY (`entity_id`, `delta`), FOREIGN KEY (`entity_id`) REFERENCES `item` (`id`))',
  `INSERT INTO \`item\` VALUES ${Array.from({ length: 300 }, (_, i) => `(${i}, ${1 + (i % 2)})`).join(', ')}`,
  `INSERT INTO \`item__tags\` VALUES ${Array.from({ length: 300 }, (_, i) => `(${i}, 0)`).join(', ')}`,
];

// Tenant 1's rows by first column: `project_note` 1 is reached through projects 10, 11 (and 21 of tenant 2).
const EXPECTED: Record<string, string[]> = {
  task: ['100', '101', '102', '103'],
  task_tag: ['100', '100', '102'],
  step: ['1', '2', '3', '7'],
  project_note: ['1'],
  item__tags: Array.from({ length: 150 }, (_, i) => String(2 * i)),
};

for (const engine of ENGINES) {
  describe(`scoped reads from the parent's keys [${engine}]`, async () => {
    const skip = await skipReason(engine);
    let tmp: TempDatabase;
    let db: Db;
    let scope: TenantScope;
    before(async () => {
      if (skip) return;
      tmp = await createTempDatabase(engine);
      db = await connectDb(tmp.url, { values: 'text' });
      for (const s of SCHEMA) await db.execute(sql(db, s));
      scope = await tenantScope(db, db, CONFIG);
    });
    after(async () => {
      if (skip) return;
      await db.close();
      await tmp.drop();
    });

    const entry = (t: string) => scope.plan.entries.find((e) => e.table === t)!;
    const read = async (q: { sql: string; params: readonly unknown[] }) =>
      (await db.query(q.sql, q.params)).map((r) => Object.values(r).map(String).join('|'));

    test(
      'each scoped table reads the same rows as its predicate, each once, none through a NULL',
      { skip },
      async () => {
        for (const [t, firsts] of Object.entries(EXPECTED)) {
          const info = scope.schema.get(t)!;
          const cols = dataColumns(info);
          const joined = await read(selectFrom(scope.dialect, info, cols, scopedSource(scope, entry(t), '1')));
          const predicate = await read(scopedSelect(scope.dialect, info, cols, entry(t).predicate, '1'));
          assert.deepEqual(joined, predicate, t);
          assert.deepEqual(
            joined.map((r) => r.split('|')[0]),
            firsts,
            t,
          );
        }
      },
    );

    test('the count statement counts the same rows', { skip }, async () => {
      const tables = Object.keys(EXPECTED);
      const counts = await db.transaction((s) => tenantCounts(s, scope, tables.map(entry), '1'), { snapshot: true });
      assert.deepEqual(
        counts,
        tables.map((t) => EXPECTED[t]!.length),
      );
    });

    if (engine !== 'mysql')
      test(
        'PostgreSQL looks a field table up key by key from the parent keys, never scanning it, before any ANALYZE',
        { skip },
        async () => {
          // Never analysed, the planner takes the IN-subquery for a hash join over a scan of all of item__tags.
          const info = scope.schema.get('item__tags')!;
          const q = selectFrom(scope.dialect, info, dataColumns(info), scopedSource(scope, entry('item__tags'), '1'));
          const [row] = await db.query<Record<string, unknown>>(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.params);
          const value = Object.values(row!)[0];
          type Node = { 'Node Type': string; 'Relation Name'?: string; Plans?: Node[] };
          const [doc] = (typeof value === 'string' ? JSON.parse(value) : value) as { Plan: Node }[];
          const nodes: Node[] = [];
          const walk = (n: Node) => (nodes.push(n), n.Plans?.forEach(walk));
          walk(doc!.Plan);
          const scans = nodes.filter((n) => n['Relation Name'] === 'item__tags').map((n) => n['Node Type']);
          const shape = nodes.map((n) => `${n['Node Type']} ${n['Relation Name'] ?? ''}`).join(' / ');
          assert.ok(scans.length > 0 && scans.every((n) => n !== 'Seq Scan'), shape);
          assert.ok(
            nodes.some((n) => n['Node Type'] === 'Nested Loop'),
            shape,
          );
        },
      );

    // MariaDB: the statistics are set to call the table tiny, the case its plan flipped on.
    if (engine === 'mysql')
      test(
        'MariaDB reads a field table by its key from the parent keys even when statistics call it tiny',
        { skip },
        async () => {
          // Engine-independent statistics (preferred by use_stat_tables=PREFERABLY_FOR_QUERIES) of one row: with them
          // the IN-subquery plan scans item__tags first; the read must still start from the keys and look the rows up
          // by the key.
          const name = tmp.url.split('/').pop()!;
          await db.execute(
            "INSERT INTO mysql.table_stats (db_name, table_name, cardinality) VALUES (?, 'item__tags', 1)",
            [name],
          );
          try {
            await db.execute('FLUSH TABLES');
            const info = scope.schema.get('item__tags')!;
            const q = selectFrom(scope.dialect, info, dataColumns(info), scopedSource(scope, entry('item__tags'), '1'));
            const plan = await db.query<{ table: string; type: string }>(`EXPLAIN ${q.sql}`, q.params);
            // The keys first (a derived table), then the field table looked up by its key, not scanned.
            assert.deepEqual(
              plan.slice(0, 2).map((r) => `${r.table.replace(/\d+/, '')} ${r.type}`),
              ['<derived> ALL', 'item__tags ref'],
            );
          } finally {
            await db.execute('DELETE FROM mysql.table_stats WHERE db_name = ?', [name]);
            await db.execute('FLUSH TABLES');
          }
        },
      );
  });
}
