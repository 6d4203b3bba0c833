import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe } from 'node:test';

export type TestEngine = 'pglite' | 'mysql' | 'postgres';
export const ENGINES: TestEngine[] = ['pglite', 'mysql', 'postgres'];

const MYSQL_ADMIN = process.env.TENANTOPS_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306';
const PG_ADMIN = process.env.TENANTOPS_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432';
const REQUIRE = process.env.TENANTOPS_REQUIRE_SERVERS === '1';

const reachable = new Map<TestEngine, Promise<string | null>>();

/** null when the server answers, else why not. */
function probe(engine: TestEngine): Promise<string | null> {
  if (engine === 'pglite') return Promise.resolve(null);
  let p = reachable.get(engine);
  if (!p) {
    p = (async () => {
      try {
        if (engine === 'mysql') {
          const c = await mysql.createConnection({ uri: MYSQL_ADMIN, connectTimeout: 10_000 });
          await c.end();
        } else {
          const c = new pg.Client({ connectionString: `${PG_ADMIN}/postgres`, connectionTimeoutMillis: 10_000 });
          await c.connect();
          await c.end();
        }
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    })();
    reachable.set(engine, p);
  }
  return p;
}

/**
 * Server-backed suites run when the server answers. When it does not: with TENANTOPS_REQUIRE_SERVERS=1 (CI) the
 * suite fails; without it (a laptop with no MariaDB/PostgreSQL) it is skipped with one line saying why.
 */
export async function skipReason(engine: TestEngine): Promise<string | false> {
  const why = await probe(engine);
  if (why === null) return false;
  if (REQUIRE) throw new Error(`TENANTOPS_REQUIRE_SERVERS=1 but ${engine} is unreachable: ${why}`);
  return `${engine} server not reachable (${why}); set TENANTOPS_REQUIRE_SERVERS=1 to make this a failure`;
}

export interface TempDatabase {
  engine: TestEngine;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database under a unique name; drop() removes it. */
export async function createTempDatabase(engine: TestEngine): Promise<TempDatabase> {
  const name = `tenantops_t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-pglite-'));
    return { engine, url: `pglite://${dir}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (engine === 'mysql') {
    const c = await mysql.createConnection({ uri: MYSQL_ADMIN });
    await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await c.end();
    return {
      engine,
      url: `${MYSQL_ADMIN}/${name}`,
      async drop() {
        const c2 = await mysql.createConnection({ uri: MYSQL_ADMIN });
        await c2.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await c2.end();
      },
    };
  }
  const c = new pg.Client({ connectionString: `${PG_ADMIN}/postgres` });
  await c.connect();
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  return {
    engine,
    url: `${PG_ADMIN}/${name}`,
    async drop() {
      const c2 = new pg.Client({ connectionString: `${PG_ADMIN}/postgres` });
      await c2.connect();
      await c2.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c2.end();
    },
  };
}

/** Runs the same suite once per engine; server engines are skipped (or fail in CI) when unreachable. */
export function describeEachEngine(
  title: string,
  fn: (engine: TestEngine) => void,
  engines: TestEngine[] = ENGINES,
): void {
  for (const engine of engines) {
    describe(`${title} [${engine}]`, { skip: false }, () => {
      fn(engine);
    });
  }
}

export interface LeastPrivilegeDatabase extends TempDatabase {
  /** The same database as a role without superuser / SUPER: PostgreSQL its owner, MariaDB a user with the grants docs/backup.md lists. */
  restricted: string;
  /** The same database as the server's admin (superuser / root): sees every row whatever the grants and policies. */
  admin: string;
}

/**
 * A fresh database and a login that holds only what a managed cloud database gives: on PostgreSQL a role that
 * owns the database but is not a superuser; on MariaDB a user with exactly SELECT, INSERT, UPDATE, DELETE and
 * TRIGGER on it. The schema is created by whichever URL the test chooses (the owner's, on PostgreSQL).
 */
export async function createLeastPrivilegeDatabase(engine: 'mysql' | 'postgres'): Promise<LeastPrivilegeDatabase> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (engine === 'mysql') {
    const tmp = await createTempDatabase('mysql');
    const name = tmp.url.split('/').pop()!;
    const user = `tenantops_r_${suffix}`;
    const password = randomBytes(12).toString('hex');
    const c = await mysql.createConnection({ uri: MYSQL_ADMIN });
    await c.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE, TRIGGER ON \`${name}\`.* TO '${user}'@'%'`);
    await c.end();
    const u = new URL(MYSQL_ADMIN);
    return {
      ...tmp,
      restricted: `mysql://${user}:${password}@${u.host}/${name}`,
      admin: tmp.url,
      async drop() {
        const c2 = await mysql.createConnection({ uri: MYSQL_ADMIN });
        await c2.query(`DROP USER IF EXISTS '${user}'@'%'`);
        await c2.end();
        await tmp.drop();
      },
    };
  }
  const role = `tenantops_owner_${suffix}`;
  const name = `tenantops_t_${suffix}`;
  const c = new pg.Client({ connectionString: `${PG_ADMIN}/postgres` });
  await c.connect();
  await c.query(`CREATE ROLE "${role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
  await c.query(`CREATE DATABASE "${name}" OWNER "${role}"`);
  await c.end();
  const u = new URL(PG_ADMIN);
  const restricted = `postgres://${role}@${u.host}/${name}`;
  return {
    engine: 'postgres',
    url: restricted,
    restricted,
    admin: `${PG_ADMIN}/${name}`,
    async drop() {
      const c2 = new pg.Client({ connectionString: `${PG_ADMIN}/postgres` });
      await c2.connect();
      await c2.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c2.query(`DROP ROLE IF EXISTS "${role}"`);
      await c2.end();
    },
  };
}

/** A login that may only read this database's tables (SELECT): what a backup needs. drop() removes it. */
export async function createReadOnlyLogin(tmp: TempDatabase): Promise<{ url: string; drop(): Promise<void> }> {
  const name = tmp.url.split('/').pop()!;
  const user = `tenantops_ro_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (tmp.engine === 'mysql') {
    const password = randomBytes(12).toString('hex');
    const c = await mysql.createConnection({ uri: MYSQL_ADMIN });
    await c.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await c.query(`GRANT SELECT ON \`${name}\`.* TO '${user}'@'%'`);
    await c.end();
    return {
      url: `mysql://${user}:${password}@${new URL(MYSQL_ADMIN).host}/${name}`,
      async drop() {
        const c2 = await mysql.createConnection({ uri: MYSQL_ADMIN });
        await c2.query(`DROP USER IF EXISTS '${user}'@'%'`);
        await c2.end();
      },
    };
  }
  const c = new pg.Client({ connectionString: `${PG_ADMIN}/${name}` });
  await c.connect();
  await c.query(`CREATE ROLE "${user}" LOGIN NOSUPERUSER`);
  await c.query(`GRANT USAGE ON SCHEMA public TO "${user}"`);
  await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO "${user}"`);
  await c.end();
  return {
    url: `postgres://${user}@${new URL(PG_ADMIN).host}/${name}`,
    async drop() {
      const c2 = new pg.Client({ connectionString: `${PG_ADMIN}/${name}` });
      await c2.connect();
      await c2.query(`DROP OWNED BY "${user}"`);
      await c2.query(`DROP ROLE IF EXISTS "${user}"`);
      await c2.end();
    },
  };
}
