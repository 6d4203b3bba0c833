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
import { exactDigest, run, withDatabase } from './exact-harness.ts';

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
