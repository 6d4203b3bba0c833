// [restore-exact] Every unique key is checked before any write, compared the way the server enforces it:
// case-insensitive collations, expression and partial indexes (PostgreSQL), binary keys. A collision is exit 4
// and names the row; a partial index's predicate is honoured, so a soft-deleted row is no collision.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import type { TestEngine } from '../helpers/test-databases.ts';
import { exactDigest, roundTrip, run, withDatabase } from './exact-harness.ts';

const ORGS = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });

const SCHEMA: Record<'mysql' | 'postgres', string[]> = {
  mysql: [
    'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
    `CREATE TABLE users (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, email VARCHAR(50) COLLATE utf8mb4_general_ci,
       handle VARCHAR(20), deleted_at DATETIME NULL, code VARBINARY(8), UNIQUE KEY u_email (email), UNIQUE KEY u_code (code),
       UNIQUE KEY u_handle (handle(3)))`,
  ],
  postgres: [
    'CREATE TABLE orgs (id bigint PRIMARY KEY)',
    'CREATE TABLE users (id bigint PRIMARY KEY, org_id bigint NOT NULL, email text, handle text, deleted_at timestamptz, code bytea UNIQUE)',
    'CREATE UNIQUE INDEX u_email ON users (lower(email))',
    'CREATE UNIQUE INDEX u_handle ON users (handle) WHERE deleted_at IS NULL',
  ],
};

const safetyFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/**
 * Refused twice: through INSERT, the probes finding the collision before any write, and through the bulk load
 * (bulkMinRows 1), whose probes wait for the load's own unique check: the same code, the same report, no
 * safety backup left and nothing written either way.
 */
async function collision(db: Db, out: string, dir: string, index: RegExp): Promise<void> {
  const before = await exactDigest(db, ['orgs', 'users']);
  const reports: string[][] = [];
  for (const bulkMinRows of [Number.POSITIVE_INFINITY, 1]) {
    const safety = safetyFiles(join(dir, 's'));
    const e = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), bulkMinRows }).catch(
      (x: unknown) => x,
    );
    assert.ok(e instanceof TenantopsError && e.code === 'TENANTOPS_E_KEY_COLLISION', String(e));
    assert.equal(e.exitCode, 4);
    assert.ok(
      e.details.some((d) => index.test(d)),
      `${index} in ${e.details.join('; ')}`,
    );
    reports.push([e.message, ...e.details]);
    assert.deepEqual(safetyFiles(join(dir, 's')), safety, 'no safety backup is left behind');
    assert.deepEqual(await exactDigest(db, ['orgs', 'users']), before, 'nothing was written');
  }
  assert.deepEqual(reports[1], reports[0], 'the bulk path reports what the probes before writing report');
}

for (const engine of ['mysql', 'postgres', 'pglite'] as const satisfies TestEngine[]) {
  withDatabase(
    engine,
    `unique keys of other tenants are collisions, compared by the server [${engine}]`,
    async (db, dir) => {
      const my = engine === 'mysql';
      await run(db, [
        ...SCHEMA[my ? 'mysql' : 'postgres'],
        'INSERT INTO orgs VALUES (1), (2)',
        my
          ? "INSERT INTO users VALUES (1, 1, 'Ann@Example.org', 'hobbit', NULL, X'0102')"
          : "INSERT INTO users VALUES (1, 1, 'Ann@Example.org', 'hobbit', NULL, '\\x0102')",
      ]);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: ORGS, out });
      await run(db, ['DELETE FROM users WHERE org_id = 1']);

      // Another tenant takes the same address in another case: equal for the index, so a collision.
      await run(db, ["INSERT INTO users (id, org_id, email) VALUES (2, 2, 'ann@EXAMPLE.org')"]);
      await collision(db, out, dir, /users \(.*ann@EXAMPLE\.org.*\) belongs to another tenant \(u_email\)/i);
      await run(db, ['DELETE FROM users WHERE id = 2']);

      // The same bytes in a binary key.
      await run(db, [
        my
          ? "INSERT INTO users (id, org_id, code) VALUES (3, 2, X'0102')"
          : "INSERT INTO users (id, org_id, code) VALUES (3, 2, '\\x0102')",
      ]);
      await collision(db, out, dir, /belongs to another tenant/);
      await run(db, ['DELETE FROM users WHERE id = 3']);

      // The primary key itself.
      await run(db, ['INSERT INTO users (id, org_id) VALUES (1, 2)']);
      await collision(db, out, dir, /PRIMARY KEY/);
      await run(db, ['DELETE FROM users WHERE id = 1']);

      if (my) {
        // A prefix index compares the first 3 characters only.
        await run(db, ["INSERT INTO users (id, org_id, handle) VALUES (4, 2, 'hobnob')"]);
        await collision(db, out, dir, /u_handle/);
        await run(db, ['DELETE FROM users WHERE id = 4']);
      } else {
        // A partial index: a soft-deleted row of another tenant holds no key, a live one does.
        await run(db, ["INSERT INTO users (id, org_id, handle, deleted_at) VALUES (4, 2, 'hobbit', now())"]);
        await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
        await run(db, ['DELETE FROM users WHERE org_id = 1', 'UPDATE users SET deleted_at = NULL WHERE id = 4']);
        await collision(db, out, dir, /u_handle/);
        await run(db, ['DELETE FROM users WHERE id = 4']);
      }
      // With nothing in the way, the same archive restores.
      await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      const n = await db.query('SELECT COUNT(*) AS n FROM users WHERE org_id = 1');
      assert.equal(Number(n[0]!.n), 1);
    },
  );
}

for (const engine of ['postgres', 'pglite'] as const satisfies TestEngine[]) {
  withDatabase(
    engine,
    `a DEFERRABLE unique key is probed before the bulk load, which would only fail at COMMIT [${engine}]`,
    async (db, dir) => {
      await run(db, [
        'CREATE TABLE orgs (id bigint PRIMARY KEY)',
        'CREATE TABLE users (id bigint PRIMARY KEY DEFERRABLE, org_id bigint NOT NULL, email text, CONSTRAINT u_email UNIQUE (email) DEFERRABLE INITIALLY IMMEDIATE)',
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO users SELECT g, 1, 'user' || g FROM generate_series(1, 20) g",
      ]);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: ORGS, out });
      await run(db, ['DELETE FROM users WHERE org_id = 1', "INSERT INTO users VALUES (100, 2, 'user7')"]);
      await collision(db, out, dir, /users \(email=user7\) belongs to another tenant \(u_email\)/);
      await run(db, ["UPDATE users SET email = 'other' WHERE id = 100", 'INSERT INTO users VALUES (3, 2, NULL)']);
      await collision(db, out, dir, /users \(id=3\) belongs to another tenant \(PRIMARY KEY\)/);
    },
  );
}

// An exclusion constraint refuses a row for another row's values as a unique key does, with its own operators (two
// overlapping ranges), and UNIQUE NULLS NOT DISTINCT makes NULL parts collide: neither was probed, so such a
// restore passed its checks (and --dry-run) and failed at the write, with no colliding row named (and for the
// exclusion constraint as TENANTOPS_E_DB_QUERY). Both are now collisions found before any write.
for (const engine of ['postgres', 'pglite'] as const satisfies TestEngine[]) {
  withDatabase(
    engine,
    `exclusion constraints and UNIQUE NULLS NOT DISTINCT keys of other tenants are collisions [${engine}]`,
    async (db, dir) => {
      await run(db, [
        'CREATE TABLE orgs (id bigint PRIMARY KEY)',
        `CREATE TABLE users (id bigint PRIMARY KEY, org_id bigint NOT NULL, shift tsrange, team int, role text,
           CONSTRAINT u_shift EXCLUDE USING gist (shift WITH &&) WHERE (team IS NOT NULL),
           CONSTRAINT u_team_role UNIQUE NULLS NOT DISTINCT (team, role))`,
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO users VALUES (1, 1, '[2024-01-01 10:00, 2024-01-01 11:00)', 7, NULL), (2, 1, '[2024-01-01 12:00, 2024-01-01 13:00)', 8, 'lead')",
        "INSERT INTO users VALUES (3, 2, '[2024-01-02 10:00, 2024-01-02 11:00)', 9, NULL)",
      ]);
      // The tenant's own rows that swapped shifts and roles since the backup restore: they are no collision.
      await roundTrip(db, dir, {
        tables: ['orgs', 'users'],
        config: ORGS,
        changeOthers: ["UPDATE users SET role = 'u' WHERE id = 3"],
        damage: [
          "UPDATE users SET shift = '[2024-01-03 00:00, 2024-01-03 01:00)', team = NULL WHERE id = 1",
          "UPDATE users SET shift = '[2024-01-01 10:00, 2024-01-01 11:00)', team = 7, role = NULL WHERE id = 2",
          "UPDATE users SET shift = '[2024-01-01 12:00, 2024-01-01 13:00)', team = 8, role = 'lead' WHERE id = 1",
        ],
      });
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: ORGS, out });
      await run(db, ['DELETE FROM users WHERE org_id = 1']);

      // Another tenant's shift overlaps one of the archive's: a collision, for the dry run too.
      await run(db, ["INSERT INTO users VALUES (4, 2, '[2024-01-01 10:30, 2024-01-01 12:00)', 10, 'x')"]);
      await collision(db, out, dir, /users \(shift=\["2024-01-01 10:30:00","2024-01-01 12:00:00"\)\) .*\(u_shift\)/);
      const dry = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), dryRun: true }).catch(
        (e: unknown) => e,
      );
      assert.ok(dry instanceof TenantopsError && dry.code === 'TENANTOPS_E_KEY_COLLISION', String(dry));
      // Outside the constraint's predicate (no team), the same shift holds no place.
      await run(db, ['UPDATE users SET team = NULL WHERE id = 4']);
      await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      await run(db, ['DELETE FROM users WHERE org_id = 1', 'DELETE FROM users WHERE id = 4']);

      // team 7 with no role: another tenant's (7, NULL) is the same key.
      await run(db, ['INSERT INTO users (id, org_id, team, role) VALUES (5, 2, 7, NULL)']);
      await collision(db, out, dir, /users \(team=7, role=null\) belongs to another tenant \(u_team_role\)/);
      await run(db, ["UPDATE users SET role = '' WHERE id = 5"]);
      await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      const n = await db.query('SELECT COUNT(*) AS n FROM users WHERE org_id = 1');
      assert.equal(Number(n[0]!.n), 2);
    },
  );
}

// MariaDB's application-time periods: UNIQUE (room, p WITHOUT OVERLAPS) refuses a row whose period overlaps
// another's of the same room. information_schema lists the key as (room, end, start), which the probes compared
// for equality: an overlap with another tenant's booking passed them (and --dry-run) and failed at the write.
withDatabase(
  'mysql',
  'a WITHOUT OVERLAPS key of another tenant is a collision when the periods overlap',
  async (db, dir) => {
    await run(db, [
      'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
      `CREATE TABLE users (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, room INT NOT NULL, s DATE NOT NULL, e DATE NOT NULL,
       PERIOD FOR p(s, e), UNIQUE KEY u_room (room, p WITHOUT OVERLAPS))`,
      'INSERT INTO orgs VALUES (1), (2)',
      "INSERT INTO users VALUES (1, 1, 7, '2024-01-01', '2024-01-05'), (2, 1, 7, '2024-01-05', '2024-01-08'), (3, 2, 8, '2024-01-01', '2024-01-09')",
    ]);
    // The tenant's own bookings that swapped periods since the backup restore.
    await roundTrip(db, dir, {
      tables: ['orgs', 'users'],
      config: ORGS,
      changeOthers: ["UPDATE users SET e = '2024-01-10' WHERE id = 3"],
      damage: [
        "UPDATE users SET s = '2024-02-01', e = '2024-02-02' WHERE id = 1",
        "UPDATE users SET s = '2024-01-01', e = '2024-01-04' WHERE id = 2",
        "UPDATE users SET s = '2024-01-04', e = '2024-01-08' WHERE id = 1",
      ],
    });
    const out = join(dir, 't1.tnt');
    await backupTenant(db, { tenantId: '1', config: ORGS, out });
    await run(db, ['DELETE FROM users WHERE org_id = 1']);
    // Touching (ends on the day T's starts) is no overlap; overlapping by a day is.
    await run(db, ["INSERT INTO users VALUES (4, 2, 7, '2023-12-01', '2024-01-01')"]);
    await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
    await run(db, ['DELETE FROM users WHERE org_id = 1', "UPDATE users SET e = '2024-01-02' WHERE id = 4"]);
    await collision(db, out, dir, /users \(room=7, e=2024-01-02, s=2023-12-01\) belongs to another tenant \(u_room\)/);
    const dry = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), dryRun: true }).catch(
      (e: unknown) => e,
    );
    assert.ok(dry instanceof TenantopsError && dry.code === 'TENANTOPS_E_KEY_COLLISION', String(dry));
  },
);

// A unique key on a STORED generated column (el = lower(email)): the archive does not carry el, so the probes left
// the key out, and a collision failed the restore at the write (rolled back, no row named; --dry-run passed). The
// probe now computes el from the archive's columns by the column's own expression.
for (const engine of ['postgres', 'pglite'] as const satisfies TestEngine[]) {
  withDatabase(
    engine,
    `a unique key on a generated column is probed with its expression [${engine}]`,
    async (db, dir) => {
      await run(db, [
        'CREATE TABLE orgs (id bigint PRIMARY KEY)',
        `CREATE TABLE users (id bigint PRIMARY KEY, org_id bigint NOT NULL, email text,
         el text GENERATED ALWAYS AS (lower(email)) STORED CONSTRAINT u_el UNIQUE)`,
        'INSERT INTO orgs VALUES (1), (2)',
        "INSERT INTO users (id, org_id, email) VALUES (1, 1, 'Ann@X.org'), (2, 1, 'bob@x.org')",
      ]);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config: ORGS, out });
      await run(db, [
        'DELETE FROM users WHERE org_id = 1',
        "INSERT INTO users (id, org_id, email) VALUES (5, 2, 'ANN@x.ORG')",
      ]);
      await collision(db, out, dir, /users \(el=ann@x\.org\) belongs to another tenant \(u_el\)/);
      const dry = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), dryRun: true }).catch(
        (e: unknown) => e,
      );
      assert.ok(dry instanceof TenantopsError && dry.code === 'TENANTOPS_E_KEY_COLLISION', String(dry));
      await run(db, ["UPDATE users SET email = 'other' WHERE id = 5"]);
      await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
      const n = await db.query('SELECT COUNT(*) AS n FROM users WHERE org_id = 1');
      assert.equal(Number(n[0]!.n), 2);
    },
  );
}

// MariaDB the same, for VIRTUAL and PERSISTENT generated columns of any character set: the archive rows become a
// derived table under the table's column names, on which each generated column is computed by its expression.
withDatabase('mysql', 'a unique key on a generated column is probed with its expression [mysql]', async (db, dir) => {
  await run(db, [
    'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
    `CREATE TABLE users (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, email VARCHAR(50) COLLATE utf8mb4_unicode_ci,
       el VARCHAR(50) COLLATE utf8mb4_unicode_ci AS (lower(email)) STORED, l1 VARCHAR(20) CHARACTER SET latin1,
       g2 VARCHAR(20) CHARACTER SET latin1 AS (upper(l1)) VIRTUAL, n INT, n2 INT AS (n * 2) PERSISTENT,
       UNIQUE KEY u_el (el), UNIQUE KEY u_g2 (g2), UNIQUE KEY u_n2 (n2))`,
    'INSERT INTO orgs VALUES (1), (2)',
    "INSERT INTO users (id, org_id, email, l1, n) VALUES (1, 1, 'Ann@X.org', 'café', 21), (2, 1, 'bob@x.org', NULL, NULL)",
  ]);
  const out = join(dir, 't1.tnt');
  await backupTenant(db, { tenantId: '1', config: ORGS, out });
  await run(db, ['DELETE FROM users WHERE org_id = 1']);
  for (const [other, index] of [
    ["(5, 2, 'ANN@x.ORG', NULL, NULL)", /users \(el=ann@x\.org\) belongs to another tenant \(u_el\)/],
    ["(5, 2, NULL, 'CAFÉ', NULL)", /users \(g2=CAFÉ\) belongs to another tenant \(u_g2\)/],
    ['(5, 2, NULL, NULL, 21)', /users \(n2=42\) belongs to another tenant \(u_n2\)/],
  ] as const) {
    await run(db, [`INSERT INTO users (id, org_id, email, l1, n) VALUES ${other}`]);
    await collision(db, out, dir, index);
    const dry = await restoreTenant(db, { archive: out, safetyDir: join(dir, 's'), dryRun: true }).catch(
      (e: unknown) => e,
    );
    assert.ok(dry instanceof TenantopsError && dry.code === 'TENANTOPS_E_KEY_COLLISION', String(dry));
    await run(db, ['DELETE FROM users WHERE id = 5']);
  }
  await restoreTenant(db, { archive: out, safetyDir: join(dir, 's') });
  const n = await db.query('SELECT COUNT(*) AS n FROM users WHERE org_id = 1');
  assert.equal(Number(n[0]!.n), 2);
});
