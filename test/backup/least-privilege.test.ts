// [restore-exact] Backup and restore as managed databases allow: a PostgreSQL role that owns the database but is
// not a superuser, and a MariaDB user with exactly the grants docs/backup.md lists. No relaxing of FK checks
// that needs superuser, no skipping of triggers: writes go in FK order, and triggers are refused or let fire.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb, type Db } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import {
  createLeastPrivilegeDatabase,
  createReadOnlyLogin,
  createTempDatabase,
  skipReason,
} from '../helpers/test-databases.ts';
import { exactDigest, roundTrip, run } from './exact-harness.ts';

const ORGS = { tenant: { table: 'orgs', key: 'id', column: 'org_id' } };
const code = (c: string) => (e: unknown) => e instanceof TenantopsError && e.code === c;

function schema(engine: 'mysql' | 'postgres'): string[] {
  const my = engine === 'mysql';
  return [
    'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
    // The child sorts before its parent by name, and its FK is NOT DEFERRABLE: only FK order can insert it.
    'CREATE TABLE `z_parent` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `name` VARCHAR(20))',
    'CREATE TABLE `a_child` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL, `p_id` BIGINT NOT NULL REFERENCES `z_parent` (`id`))',
    ...(my ? ['CREATE SEQUENCE `item_seq`'] : []),
    my
      ? 'CREATE TABLE `items` (`id` BIGINT PRIMARY KEY DEFAULT NEXTVAL(`item_seq`), `org_id` BIGINT NOT NULL, `v` VARCHAR(20))'
      : 'CREATE TABLE `items` (`id` BIGSERIAL PRIMARY KEY, `org_id` BIGINT NOT NULL, `v` VARCHAR(20))',
    'CREATE TABLE `audit_log` (`what` VARCHAR(40))',
    'INSERT INTO `orgs` VALUES (1), (2)',
    "INSERT INTO `z_parent` VALUES (1, 1, 'p1'), (2, 1, 'p2'), (3, 2, 'u')",
    'INSERT INTO `a_child` VALUES (1, 1, 1), (2, 1, 2), (3, 2, 3)',
    "INSERT INTO `items` (`org_id`, `v`) VALUES (1, 'a'), (1, 'b'), (2, 'u')",
  ];
}

const auditTrigger = (engine: 'mysql' | 'postgres') =>
  engine === 'mysql'
    ? [
        "CREATE TRIGGER `z_audit` AFTER INSERT ON `z_parent` FOR EACH ROW INSERT INTO `audit_log` VALUES (CONCAT('insert ', NEW.`id`))",
      ]
    : [
        "CREATE FUNCTION z_audit() RETURNS trigger AS $$ BEGIN INSERT INTO audit_log VALUES ('insert ' || NEW.id); RETURN NEW; END $$ LANGUAGE plpgsql",
        'CREATE TRIGGER z_audit AFTER INSERT ON z_parent FOR EACH ROW EXECUTE FUNCTION z_audit()',
      ];

// Both tests run through multi-row INSERTs and through the bulk load (LOAD DATA LOCAL INFILE needs only INSERT;
// COPY FROM STDIN only INSERT too), forced for every table that inserts a row.
const PATHS = [
  { path: 'INSERT', bulkMinRows: Number.POSITIVE_INFINITY },
  { path: 'bulk load', bulkMinRows: 1 },
];

for (const engine of ['mysql', 'postgres'] as const) {
  for (const { path, bulkMinRows } of PATHS)
    describe(`least privilege [${engine}] (${path})`, () => {
      test('restore as a non-superuser owner / granted user: FK order, sequences moved, triggers refused or let fire', async (t) => {
        const why = await skipReason(engine);
        if (why) return t.skip(why);
        const tmp = await createLeastPrivilegeDatabase(engine);
        const dir = mkdtempSync(join(tmpdir(), 'tenantops-lp-'));
        // The schema is the owner's on PostgreSQL; on MariaDB the administrator creates it.
        const admin = await connectDb(tmp.url, { values: 'text' });
        const db = await connectDb(tmp.restricted, { values: 'text' });
        try {
          await run(admin, [...schema(engine), ...auditTrigger(engine)]);
          const tables = ['orgs', 'z_parent', 'a_child', 'items'];
          const out = join(dir, 'lp.tnt');
          await backupTenant(db, { tenantId: '1', config: validateConfig(ORGS), out });
          await run(db, ['DELETE FROM `a_child` WHERE `org_id` = 1', 'DELETE FROM `z_parent` WHERE `org_id` = 1']);
          const before = await exactDigest(db, [...tables, 'audit_log']);
          // Neither role may skip the audit trigger: refused before any write, naming it and the way out.
          await assert.rejects(
            restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), bulkMinRows }),
            (e: unknown) =>
              code('TENANTOPS_E_TRIGGERS')(e) && /z_parent\.z_audit.*triggers: fire/.test((e as Error).message),
          );
          assert.deepEqual(await exactDigest(db, [...tables, 'audit_log']), before);
          await run(admin, [
            "INSERT INTO `z_parent` VALUES (1, 1, 'p1'), (2, 1, 'p2')",
            'INSERT INTO `a_child` VALUES (1, 1, 1), (2, 1, 2)',
          ]);
          await run(admin, ['DELETE FROM `audit_log`']);
          await roundTrip(db, dir, {
            bulkMinRows,
            tables,
            config: { ...ORGS, triggers: 'fire' },
            changeOthers: ["UPDATE `items` SET `v` = 'u2' WHERE `org_id` = 2"],
            damage: [
              'DELETE FROM `a_child` WHERE `org_id` = 1',
              'DELETE FROM `z_parent` WHERE `org_id` = 1',
              "UPDATE `items` SET `v` = 'x' WHERE `org_id` = 1",
            ],
          });
          const audit = await db.query('SELECT COUNT(*) AS n FROM audit_log');
          assert.ok(Number(audit[0]!.n) > 0, 'the trigger was let fire, and its rows outside the scope stay');
        } finally {
          await db.close();
          await admin.close();
          await tmp.drop();
          rmSync(dir, { recursive: true, force: true });
        }
      });

      test('a tenant moved to a new database: every sequence ends ahead of every restored id', async (t) => {
        const why = await skipReason(engine);
        if (why) return t.skip(why);
        const src = await createTempDatabase(engine);
        const dst = await createLeastPrivilegeDatabase(engine);
        const dir = mkdtempSync(join(tmpdir(), 'tenantops-mv-'));
        const a = await connectDb(src.url, { values: 'text' });
        const admin = await connectDb(dst.url, { values: 'text' });
        const b = await connectDb(dst.restricted, { values: 'text' });
        try {
          await run(a, schema(engine));
          await run(a, ["INSERT INTO `items` (`org_id`, `v`) VALUES (1, 'late')"]);
          await run(
            admin,
            schema(engine).filter((s) => !s.startsWith('INSERT')),
          );
          await run(admin, ['INSERT INTO `orgs` VALUES (2)']);
          const out = join(dir, 'mv.tnt');
          await backupTenant(a, { tenantId: '1', config: validateConfig(ORGS), out });
          const r = await restoreTenant(b, { archive: out, safetyDir: join(dir, 's'), bulkMinRows });
          assert.equal(
            r.notes.filter((n) => n.startsWith('bulk-loaded:')).length,
            bulkMinRows === 1 ? 4 : 0,
            `orgs, z_parent, a_child and items bulk-loaded or not, as asked: ${r.notes.join('; ')}`,
          );
          // The source also holds tenant 2's rows: without them, it must equal the target exactly.
          await run(a, ['DELETE FROM `a_child` WHERE `org_id` = 2', 'DELETE FROM `z_parent` WHERE `org_id` = 2']);
          assert.deepEqual(
            await exactDigest(b, ['z_parent', 'a_child']),
            await exactDigest(a, ['z_parent', 'a_child']),
          );
          // The application's next insert takes a fresh id: the sequence moved past the restored ids (1, 2, 4).
          await run(b, ["INSERT INTO `items` (`org_id`, `v`) VALUES (2, 'next')"]);
          const ids = await b.query('SELECT id FROM items ORDER BY id');
          assert.deepEqual(
            ids.map((r) => String(r.id)),
            ['1', '2', '4', '5'],
          );
        } finally {
          await a.close();
          await b.close();
          await admin.close();
          await src.drop();
          await dst.drop();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
}

for (const engine of ['mysql', 'postgres'] as const) {
  test(`a backup needs SELECT only, and its archive restores [${engine}]`, async (t) => {
    const why = await skipReason(engine);
    if (why) return t.skip(why);
    const tmp = await createTempDatabase(engine);
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-ro-'));
    const db = await connectDb(tmp.url, { values: 'text' });
    try {
      await run(db, [
        ...schema(engine),
        // No tenant column: the tenant's notes are found only through the foreign key, which the login must see
        // (MariaDB shows a SELECT-only login the key's columns, not its REFERENTIAL_CONSTRAINTS row).
        'CREATE TABLE `child_notes` (`id` BIGINT PRIMARY KEY, `child_id` BIGINT NOT NULL, FOREIGN KEY (`child_id`) REFERENCES `a_child` (`id`))',
        'INSERT INTO `child_notes` VALUES (1, 1), (2, 2), (3, 3)',
      ]);
      const tables = ['z_parent', 'a_child', 'items', 'child_notes'];
      const ro = await createReadOnlyLogin(tmp);
      const reader = await connectDb(ro.url, { values: 'text' });
      const out = join(dir, 'ro.tnt');
      try {
        const b = await backupTenant(reader, { tenantId: '1', config: validateConfig(ORGS), out });
        assert.equal(b.manifest.tables.find((x) => x.name === 'child_notes')?.rows, 2, 'the notes are archived');
      } finally {
        await reader.close();
        await ro.drop();
      }
      const before = await exactDigest(db, tables);
      await run(db, [
        'DELETE FROM `child_notes` WHERE `child_id` IN (1, 2)',
        'DELETE FROM `a_child` WHERE `org_id` = 1',
        "UPDATE `items` SET `v` = 'x' WHERE `org_id` = 1",
      ]);
      await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      assert.deepEqual(await exactDigest(db, tables), before);
    } finally {
      await db.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('MariaDB: a foreign key from another database, on which the restoring user has SELECT only, refuses the restore', async (t) => {
  const why = await skipReason('mysql');
  if (why) return t.skip(why);
  const tmp = await createLeastPrivilegeDatabase('mysql');
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-extsel-'));
  const admin = await connectDb(tmp.admin, { values: 'text' });
  const db = await connectDb(tmp.restricted, { values: 'text' });
  const name = tmp.admin.split('/').pop()!;
  const other = `${name}_o`;
  try {
    await run(admin, [
      'CREATE TABLE `orgs` (`id` BIGINT PRIMARY KEY)',
      'CREATE TABLE `items` (`id` BIGINT PRIMARY KEY, `org_id` BIGINT NOT NULL)',
      'INSERT INTO `orgs` VALUES (1), (2)',
      'INSERT INTO `items` VALUES (1, 1), (2, 2)',
      `CREATE DATABASE \`${other}\``,
      `CREATE TABLE \`${other}\`.\`refs\` (\`id\` INT PRIMARY KEY, \`item_id\` BIGINT, FOREIGN KEY (\`item_id\`) REFERENCES \`${name}\`.\`items\` (\`id\`) ON DELETE CASCADE)`,
      // What backup.md asks for: SELECT on the referencing table (a table-level grant).
      `GRANT SELECT ON \`${other}\`.\`refs\` TO '${new URL(tmp.restricted).username}'@'%'`,
    ]);
    const out = join(dir, 'ext.tnt');
    await backupTenant(db, { tenantId: '1', config: validateConfig(ORGS), out });
    await run(admin, ['INSERT INTO `items` VALUES (3, 1)', `INSERT INTO \`${other}\`.\`refs\` VALUES (1, 3)`]);
    // Deleting item 3 would leave refs(1) dangling (foreign_key_checks = 0): refused before any write.
    await assert.rejects(
      restoreTenant(db, { archive: out, safetyDir: join(dir, 's') }),
      (e: unknown) => code('TENANTOPS_E_SHARED_ROWS')(e) && /refs/.test((e as Error).message),
    );
    assert.deepEqual(await admin.query('SELECT `id` FROM `items` ORDER BY `id`'), [
      { id: '1' },
      { id: '2' },
      { id: '3' },
    ]);
  } finally {
    await admin.execute(`DROP DATABASE IF EXISTS \`${other}\``);
    await db.close();
    await admin.close();
    await tmp.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('partitions [postgres]', () => {
  test('an FK to a partitioned table holds, checked once through the parent; its partitions restore first', async (t) => {
    const why = await skipReason('postgres');
    if (why) return t.skip(why);
    const tmp = await createLeastPrivilegeDatabase('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-part-'));
    const db: Db = await connectDb(tmp.restricted, { values: 'text' });
    try {
      await run(db, [
        'CREATE TABLE orgs (id bigint PRIMARY KEY)',
        'CREATE TABLE events (id bigint NOT NULL, org_id bigint NOT NULL, what text, PRIMARY KEY (id, org_id)) PARTITION BY LIST (org_id)',
        'CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1)',
        'CREATE TABLE events_2 PARTITION OF events FOR VALUES IN (2)',
        'CREATE TABLE a_notes (id bigint PRIMARY KEY, org_id bigint NOT NULL, event_id bigint NOT NULL, FOREIGN KEY (event_id, org_id) REFERENCES events (id, org_id))',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO events VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'u')",
        'INSERT INTO a_notes VALUES (1, 1, 1), (2, 1, 2), (3, 2, 3)',
      ]);
      await roundTrip(db, dir, {
        tables: ['orgs', 'events_1', 'events_2', 'a_notes'],
        config: ORGS,
        changeOthers: ["UPDATE events SET what = 'u2' WHERE org_id = 2"],
        damage: ['DELETE FROM a_notes WHERE org_id = 1', 'DELETE FROM events WHERE org_id = 1'],
      });
    } finally {
      await db.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a child of a partitioned table [postgres]', () => {
  test('rows that reach the tenant only through an FK into a partitioned table are in its scope', async (t) => {
    const why = await skipReason('postgres');
    if (why) return t.skip(why);
    const tmp = await createLeastPrivilegeDatabase('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-partchild-'));
    const db: Db = await connectDb(tmp.restricted, { values: 'text' });
    try {
      // Partitioned by day, not by tenant: event_tags has no org_id, and its FK names `events`, which holds no row.
      await run(db, [
        'CREATE TABLE orgs (id bigint PRIMARY KEY)',
        'CREATE TABLE events (id bigint NOT NULL, day date NOT NULL, org_id bigint NOT NULL, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)',
        "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        'CREATE TABLE event_tags (id bigint PRIMARY KEY, event_id bigint NOT NULL, event_day date NOT NULL, tag text, FOREIGN KEY (event_id, event_day) REFERENCES events (id, day) ON DELETE CASCADE)',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO events VALUES (1, '2025-05-01', 1), (2, '2026-05-01', 1), (3, '2026-05-01', 2)",
        "INSERT INTO event_tags VALUES (1, 1, '2025-05-01', 'a'), (2, 2, '2026-05-01', 'b'), (3, 3, '2026-05-01', 'u')",
      ]);
      const r = await roundTrip(db, dir, {
        tables: ['orgs', 'events_2025', 'events_2026', 'event_tags'],
        config: ORGS,
        changeOthers: ["UPDATE event_tags SET tag = 'u2' WHERE id = 3"],
        // The CASCADE takes the tenant's tags with its events: the archive must hold them to put them back.
        damage: ['DELETE FROM events WHERE org_id = 1'],
      });
      assert.equal(r.tables.find((x) => x.table === 'event_tags')?.archived, 2);
      assert.ok(!r.notes.some((n) => /reached through/.test(n)), r.notes.join('; '));
    } finally {
      await db.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sub-partitions [postgres]', () => {
  test('a partition two levels down restores after its parent table and before its children, and an FK from another schema into it refuses the restore', async (t) => {
    const why = await skipReason('postgres');
    if (why) return t.skip(why);
    const tmp = await createLeastPrivilegeDatabase('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-subpart-'));
    const db: Db = await connectDb(tmp.restricted, { values: 'text' });
    const tables = ['orgs', 'events_1_lo', 'events_1_hi', 'events_0', 'a_notes'];
    try {
      // events → events_1 (itself partitioned) → events_1_lo / events_1_hi: the FKs name `events`, the rows are in
      // the leaves. a_notes sorts first and its FK is NOT DEFERRABLE: only FK order inserts it after the leaves (and
      // not merely after events_0, the one-level partition, which sorts before them).
      await run(db, [
        'CREATE TABLE orgs (id bigint PRIMARY KEY)',
        'CREATE TABLE events (id bigint NOT NULL, org_id bigint NOT NULL REFERENCES orgs, what text, PRIMARY KEY (id, org_id)) PARTITION BY LIST (org_id)',
        'CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1) PARTITION BY RANGE (id)',
        'CREATE TABLE events_1_lo PARTITION OF events_1 FOR VALUES FROM (MINVALUE) TO (100)',
        'CREATE TABLE events_1_hi PARTITION OF events_1 FOR VALUES FROM (100) TO (MAXVALUE)',
        'CREATE TABLE events_0 PARTITION OF events FOR VALUES IN (2)',
        'CREATE TABLE a_notes (id bigint PRIMARY KEY, org_id bigint NOT NULL, event_id bigint NOT NULL, FOREIGN KEY (event_id, org_id) REFERENCES events (id, org_id))',
        'CREATE SCHEMA other',
        'CREATE TABLE other.refs (id int PRIMARY KEY, event_id bigint, org_id bigint, FOREIGN KEY (event_id, org_id) REFERENCES public.events (id, org_id) ON DELETE CASCADE)',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO events VALUES (1, 1, 'a'), (150, 1, 'b'), (3, 2, 'u')",
        'INSERT INTO a_notes VALUES (1, 1, 1), (2, 1, 150), (3, 2, 3)',
      ]);
      await roundTrip(db, dir, {
        tables,
        config: ORGS,
        changeOthers: ["UPDATE events SET what = 'u2' WHERE org_id = 2"],
        damage: ['DELETE FROM a_notes WHERE org_id = 1', 'DELETE FROM events WHERE org_id = 1'],
      });
      const out = join(dir, 'subpart.tnt');
      await backupTenant(db, { tenantId: '1', config: validateConfig(ORGS), out });
      // A row added since the backup, which the restore would delete, is referenced from the other schema: its
      // ON DELETE CASCADE would remove that row too.
      await run(db, ["INSERT INTO events VALUES (160, 1, 'new')", 'INSERT INTO other.refs VALUES (1, 160, 1)']);
      const before = await exactDigest(db, tables);
      await assert.rejects(
        restoreTenant(db, { archive: out, safetyDir: join(dir, 's2') }),
        (e: unknown) => code('TENANTOPS_E_SHARED_ROWS')(e) && /other\.refs/.test((e as Error).message),
      );
      assert.deepEqual(await exactDigest(db, tables), before, 'nothing was written');
      assert.deepEqual(await db.query('SELECT id FROM other.refs'), [{ id: '1' }], 'the other schema keeps its row');
    } finally {
      await db.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rewrite rules and ENABLE REPLICA triggers [postgres]', () => {
  test('rules ON DELETE/UPDATE count as triggers; a trigger that fires in replica mode is refused, not skipped', async (t) => {
    const why = await skipReason('postgres');
    if (why) return t.skip(why);
    const tmp = await createLeastPrivilegeDatabase('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-rules-'));
    const owner = await connectDb(tmp.restricted, { values: 'text' });
    const su = await connectDb(tmp.admin, { values: 'text' });
    const tables = ['orgs', 'items', 'counters'];
    try {
      // counters is a tenant table too: the rule, run by the restore's DELETE of tenant 1's item, would change
      // tenant 2's row, which no verification of tenant 1 looks at.
      await run(owner, [
        'CREATE TABLE orgs (id bigint PRIMARY KEY)',
        'CREATE TABLE items (id bigint PRIMARY KEY, org_id bigint NOT NULL, v text)',
        'CREATE TABLE counters (org_id bigint PRIMARY KEY, n bigint NOT NULL)',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO items VALUES (1, 1, 'a'), (2, 2, 'u')",
        'INSERT INTO counters VALUES (1, 5), (2, 5)',
        'CREATE RULE items_del AS ON DELETE TO items DO ALSO UPDATE counters SET n = n - 1 WHERE org_id = 2',
      ]);
      const out = join(dir, 'rules.tnt');
      await backupTenant(owner, { tenantId: '1', config: validateConfig(ORGS), out });
      const damage = ["INSERT INTO items VALUES (3, 1, 'new')"];
      await run(owner, damage);
      const before = await exactDigest(su, tables);
      // The owner cannot skip the rule: refused before any write, naming it.
      await assert.rejects(
        restoreTenant(owner, { archive: out, safetyDir: join(dir, 's') }),
        (e: unknown) => code('TENANTOPS_E_TRIGGERS')(e) && /items\.items_del \(rule\)/.test((e as Error).message),
      );
      assert.deepEqual(await exactDigest(su, tables), before, 'nothing was written');
      // A superuser's replica mode skips it: tenant 1 is the archive, tenant 2's counter is untouched.
      const r = await restoreTenant(su, { archive: out, safetyDir: join(dir, 's') });
      assert.ok(
        r.notes.some((n) => /skipped.*items\.items_del \(rule\)/.test(n)),
        r.notes.join('; '),
      );
      assert.deepEqual(await su.query('SELECT org_id, n FROM counters ORDER BY org_id'), [
        { org_id: '1', n: '5' },
        { org_id: '2', n: '5' },
      ]);
      assert.deepEqual(await su.query('SELECT id FROM items ORDER BY id'), [{ id: '1' }, { id: '2' }]);

      // ENABLE REPLICA: such a trigger does not fire for the application, only in the replica mode that skips the
      // others. The superuser's restore must not take it for skipped.
      await run(owner, [
        'DROP RULE items_del ON items',
        'CREATE FUNCTION items_gone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE counters SET n = n - 1 WHERE org_id = 2; RETURN OLD; END $$',
        'CREATE TRIGGER items_gone AFTER DELETE ON items FOR EACH ROW EXECUTE FUNCTION items_gone()',
        'ALTER TABLE items ENABLE REPLICA TRIGGER items_gone',
        ...damage,
      ]);
      const before2 = await exactDigest(su, tables);
      await assert.rejects(
        restoreTenant(su, { archive: out, safetyDir: join(dir, 's') }),
        (e: unknown) => code('TENANTOPS_E_TRIGGERS')(e) && /items\.items_gone/.test((e as Error).message),
      );
      assert.deepEqual(await exactDigest(su, tables), before2, 'nothing was written');
    } finally {
      await owner.close();
      await su.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('row-level security [postgres]', () => {
  test('a role that policies would show only some rows is refused, before reading or writing anything', async (t) => {
    const why = await skipReason('postgres');
    if (why) return t.skip(why);
    const tmp = await createLeastPrivilegeDatabase('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-rls-'));
    const owner = await connectDb(tmp.restricted, { values: 'text' });
    // A superuser reads every row whatever the policies: the independent view of what is stored.
    const su = await connectDb(tmp.admin, { values: 'text' });
    const tables = ['orgs', 'items'];
    try {
      await run(owner, [
        'CREATE TABLE orgs (id bigint PRIMARY KEY)',
        'CREATE TABLE items (id bigint PRIMARY KEY, org_id bigint NOT NULL, v text)',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO items VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'u')",
        // The application's usual policy: a session sees its own tenant's rows, and none without the setting.
        'ALTER TABLE items ENABLE ROW LEVEL SECURITY',
        "CREATE POLICY tenant ON items USING (org_id = current_setting('app.tenant', true)::bigint)",
      ]);
      // The owner is not subject to its table's policies: every row, both ways.
      const r = await roundTrip(owner, dir, {
        tables,
        config: ORGS,
        changeOthers: ["UPDATE items SET v = 'u2' WHERE org_id = 2"],
        damage: ["UPDATE items SET v = 'x' WHERE id = 1", 'DELETE FROM items WHERE id = 2'],
      });
      assert.equal(r.tables.find((x) => x.table === 'items')!.archived, 2);
      const out = join(dir, 'rls.tnt');
      await backupTenant(owner, { tenantId: '1', config: validateConfig(ORGS), out });
      const refused = (e: unknown) => code('TENANTOPS_E_ROW_SECURITY')(e) && /table items/.test((e as Error).message);
      // Another role (a backup login with SELECT) is subject to them: it would have archived no item at all.
      const ro = await createReadOnlyLogin(tmp);
      const reader = await connectDb(ro.url, { values: 'text' });
      try {
        await assert.rejects(
          backupTenant(reader, { tenantId: '1', config: validateConfig(ORGS), out: join(dir, 'ro.tnt') }),
          refused,
        );
      } finally {
        await reader.close();
        await ro.drop();
      }
      // FORCE subjects the owner too: backup and restore both refuse, and nothing changes.
      await run(su, ['ALTER TABLE items FORCE ROW LEVEL SECURITY', "UPDATE items SET v = 'later' WHERE id = 1"]);
      const before = await exactDigest(su, tables);
      await assert.rejects(
        backupTenant(owner, { tenantId: '1', config: validateConfig(ORGS), out: join(dir, 'forced.tnt') }),
        refused,
      );
      assert.ok(!existsSync(join(dir, 'forced.tnt')), 'no archive of a subset is left');
      await assert.rejects(restoreTenant(owner, { archive: out, safetyDir: join(dir, 's2') }), refused);
      assert.deepEqual(await exactDigest(su, tables), before);
    } finally {
      await owner.close();
      await su.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
