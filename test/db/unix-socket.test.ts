// A server on this machine reached through its Unix socket: MariaDB's `?socket=/path`, libpq's `?host=/dir` and
// its %-encoded host. Such URLs were refused ('unknown parameter "host"'), which left out a Debian MariaDB whose
// root logs in only over the socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connectDb, parseDbUrl } from '../../src/db/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { createTempDatabase, skipReason } from '../helpers/test-databases.ts';

test('socket URLs parse to a path as the host; a relative path or the other engine’s parameter is refused', () => {
  const m = parseDbUrl('mysql://root@localhost/app?socket=/run/mysqld/mysqld.sock');
  assert.ok(m.engine === 'mysql');
  assert.equal(m.host, '/run/mysqld/mysqld.sock');
  for (const url of [
    'postgres://u@localhost/app?host=/var/run/postgresql',
    'postgres://u@%2Fvar%2Frun%2Fpostgresql/app',
  ]) {
    const p = parseDbUrl(url);
    assert.ok(p.engine === 'postgres');
    assert.equal(p.host, '/var/run/postgresql');
    assert.equal(p.database, 'app');
  }
  for (const [url, why] of [
    ['postgres://u@localhost/app?host=run/pg', /absolute path/],
    ['mysql://root@localhost/app?host=/run/mysqld/mysqld.sock', /\?socket=/],
    ['postgres://u@localhost/app?socket=/var/run/postgresql', /\?host=/],
  ] as const)
    assert.throws(
      () => parseDbUrl(url),
      (e: unknown) => e instanceof TenantopsError && e.code === 'TENANTOPS_E_DB_URL' && why.test(e.message),
    );
});

for (const engine of ['mysql', 'postgres'] as const) {
  test(`a ${engine} database over its Unix socket`, { skip: await skipReason(engine) }, async (t) => {
    const tmp = await createTempDatabase(engine);
    const tcp = await connectDb(tmp.url);
    try {
      // Where this server's socket is, as it says itself.
      const socket =
        engine === 'mysql'
          ? String((await tcp.query<{ s: string }>('SELECT @@socket AS s'))[0]!.s)
          : String((await tcp.query<{ s: string }>("SELECT current_setting('unix_socket_directories') AS s"))[0]!.s)
              .split(',')[0]!
              .trim();
      const port = engine === 'postgres' ? new URL(tmp.url).port || '5432' : '';
      if (!existsSync(engine === 'mysql' ? socket : `${socket}/.s.PGSQL.${port}`)) {
        // A server reached over the network (TENANTOPS_TEST_MYSQL/POSTGRES elsewhere) has no socket here; where
        // the servers are required (CI, on this machine) that is a failure, as an unreachable server is.
        assert.ok(process.env.TENANTOPS_REQUIRE_SERVERS !== '1', `no ${engine} socket at ${socket}`);
        t.skip(`no ${engine} socket on this machine; set TENANTOPS_REQUIRE_SERVERS=1 to make this a failure`);
        return;
      }
      const u = new URL(tmp.url);
      const url =
        engine === 'mysql'
          ? `mysql://${u.username}@localhost${u.pathname}?socket=${socket}`
          : `postgres://${u.username}@localhost:${port}${u.pathname}?host=${socket}`;
      const db = await connectDb(url);
      try {
        // The session came in over the socket: no client address (PostgreSQL), host 'localhost' with no port.
        const [row] =
          engine === 'mysql'
            ? await db.query<{ h: string }>(
                'SELECT HOST AS h FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()',
              )
            : await db.query<{ h: string | null }>('SELECT inet_client_addr() AS h');
        assert.equal(row!.h, engine === 'mysql' ? 'localhost' : null);
        const name = engine === 'mysql' ? 'DATABASE()' : 'current_database()';
        const [named] = await db.query<{ d: string }>(`SELECT ${name} AS d`);
        assert.equal(named!.d, u.pathname.slice(1));
      } finally {
        await db.close();
      }
    } finally {
      await tcp.close();
      await tmp.drop();
    }
  });
}
