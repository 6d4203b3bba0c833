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
          const c = await mysql.createConnection({ uri: MYSQL_ADMIN, connectTimeout: 3000 });
          await c.end();
        } else {
          const c = new pg.Client({ connectionString: `${PG_ADMIN}/postgres`, connectionTimeoutMillis: 3000 });
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
