import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canReplicate, connectDb } from '../../src/db/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { freePort } from '../../src/lab/free-port.ts';
import { ReplicaMonitor } from '../../src/platform/replica-monitor.ts';
import { startServer } from '../../src/platform/server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { skipReason } from '../helpers/test-databases.ts';
import { reads, startReplicaPlatform } from './replica-fixture.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const portOf = (url: string): number => Number(new URL(url).port);
const withPort = (url: string, port: number): string => {
  const u = new URL(url);
  u.port = String(port);
  return u.href;
};

for (const engine of ['mysql', 'postgres'] as const) {
  describe(`read replica routing [${engine}]`, async () => {
    const skip = await skipReason(engine);

    test('GET routes read from the replica and writes go to the primary', { skip }, async () => {
      const p = await startReplicaPlatform(engine, { app: { readYourWritesMs: 0 } });
      try {
        assert.equal(p.monitor.state, 'up');
        assert.equal(p.monitor.lagSeconds, 0);
        assert.equal(typeof p.primary.replicaStatus, 'function');
        assert.equal(canReplicate(engine), true);
        assert.ok(
          p.logs.some((l) => /is not replicating from anything; it is read as a replica with lag 0/.test(l)),
          p.logs.join('\n'),
        );
        const t = await p.tenant('Reader');
        await p.replicaOnlyCompany(t.id, 'only-on-replica');
        const created = await p.apps[0]!.inject({
          method: 'POST',
          url: '/api/v1/crm/companies',
          headers: t.headers,
          payload: { name: 'written' },
        });
        assert.equal(created.statusCode, 201);
        // The POST's own re-read (it returns the new row) ran on the primary, inside the write request.
        assert.equal(created.json().data.name, 'written');
        assert.deepEqual((await p.companies(t)).names, ['only-on-replica']);
        const onPrimary = await p.primary.query(
          `SELECT name FROM crm_company WHERE tenant_id = ${p.primary.dialect.param(1)}`,
          [t.id],
        );
        assert.deepEqual(
          onPrimary.map((r) => r.name),
          ['written'],
        );
        assert.equal(await p.metric(reads('replica', 'replica')), 1);
        assert.equal(await p.metric(reads('primary', 'read_your_writes')), 0);
        assert.equal(await p.metric('tenantops_db_replica_up'), 1);
        assert.equal(await p.metric('tenantops_db_replica_lag_seconds'), 0);
        const health = (await p.apps[0]!.inject({ method: 'GET', url: '/api/health' })).json();
        assert.equal(health.data.replica, 'up');
      } finally {
        await p.close();
      }
    });

    test(
      'after a write, that tenant alone reads from the primary for the window, then from the replica again',
      { skip },
      async () => {
        const p = await startReplicaPlatform(engine, { app: { readYourWritesMs: 400 } });
        try {
          const writer = await p.tenant('Writer');
          const other = await p.tenant('Other');
          await p.replicaOnlyCompany(writer.id, 'writer-on-replica');
          await p.replicaOnlyCompany(other.id, 'other-on-replica');
          const w = await p.apps[0]!.inject({
            method: 'POST',
            url: '/api/v1/crm/companies',
            headers: writer.headers,
            payload: { name: 'fresh' },
          });
          assert.equal(w.statusCode, 201);
          assert.match(String(w.headers['set-cookie']), new RegExp(`^tenantops_ryw_${writer.id}=\\d+; Max-Age=1; `));
          assert.deepEqual((await p.companies(writer)).names, ['fresh'], 'the writer sees its write at once');
          assert.deepEqual((await p.companies(other)).names, ['other-on-replica'], 'other tenants stay on the replica');
          assert.equal(await p.metric(reads('primary', 'read_your_writes')), 1);
          await sleep(450);
          assert.deepEqual((await p.companies(writer)).names, ['writer-on-replica'], 'back to the replica after it');
          assert.equal(await p.metric(reads('replica', 'replica')), 2);
          // A refused write (validation, 400) wrote nothing and opens no window.
          const bad = await p.apps[0]!.inject({
            method: 'POST',
            url: '/api/v1/crm/companies',
            headers: other.headers,
            payload: { nope: 1 },
          });
          assert.equal(bad.statusCode, 400);
          assert.equal(bad.headers['set-cookie'], undefined);
          assert.deepEqual((await p.companies(other)).names, ['other-on-replica']);
        } finally {
          await p.close();
        }
      },
    );

    test(
      'the read-your-writes cookie of one node is honoured by another, for its own tenant only',
      { skip },
      async () => {
        const p = await startReplicaPlatform(engine, { nodes: 2, app: { readYourWritesMs: 1500 } });
        try {
          const a = await p.tenant('A');
          const b = await p.tenant('B');
          await p.replicaOnlyCompany(a.id, 'a-on-replica');
          await p.replicaOnlyCompany(b.id, 'b-on-replica');
          const w = await p.apps[0]!.inject({
            method: 'POST',
            url: '/api/v1/crm/companies',
            headers: a.headers,
            payload: { name: 'a-fresh' },
          });
          const cookie = String(w.headers['set-cookie']).split(';')[0]!;
          assert.deepEqual((await p.companies(a, 1)).names, ['a-on-replica'], 'node 2 without the cookie: replica');
          assert.deepEqual((await p.companies(a, 1, cookie)).names, ['a-fresh'], 'node 2 with the cookie: primary');
          assert.deepEqual((await p.companies(b, 1, cookie)).names, ['b-on-replica'], "A's cookie does not move B");
          assert.equal(await p.metric(reads('primary', 'read_your_writes'), 1), 1);
          // A cookie claiming a window far longer than the configured one is capped at the window from now.
          const forged = `tenantops_ryw_${b.id}=${Date.now() + 3_600_000}`;
          assert.deepEqual((await p.companies(b, 1, forged)).names, []);
          const expired = `tenantops_ryw_${a.id}=${Date.now() - 1}`;
          assert.deepEqual((await p.companies(a, 1, expired)).names, ['a-on-replica']);
        } finally {
          await p.close();
        }
      },
    );

    test('a replica URL on a closed port: reads are served by the primary, none fails', { skip }, async () => {
      const closed = await freePort();
      const p = await startReplicaPlatform(engine, { replicaUrl: (u) => withPort(u, closed) });
      try {
        assert.equal(p.monitor.state, 'down');
        assert.ok(
          p.logs.some((l) => l.includes(`replica ${p.monitor.redacted} down: cannot connect`)),
          p.logs.join('\n'),
        );
        const t = await p.tenant('T');
        await p.replicaOnlyCompany(t.id, 'unreachable');
        const results = await Promise.all(Array.from({ length: 10 }, () => p.companies(t)));
        for (const r of results) assert.deepEqual(r.names, []);
        assert.equal(await p.metric(reads('primary', 'replica_down')), 10);
        assert.equal(await p.metric(reads('replica', 'replica')), 0);
        assert.equal(await p.metric('tenantops_db_replica_up'), 0);
        assert.equal(await p.metric('tenantops_db_replica_lag_seconds'), undefined, 'no lag sample while down');
      } finally {
        await p.close();
      }
    });

    test('a replica that dies under load: every read is retried on the primary, none fails', { skip }, async () => {
      let proxy: TcpProxy | undefined;
      const p = await startReplicaPlatform(engine, {
        // A slow probe, so that the failing reads are what notices the death.
        monitor: { probeEveryMs: 60_000 },
        replicaUrl: async (u) => {
          proxy = await startTcpProxy(portOf(u));
          return withPort(u, proxy.port);
        },
      });
      try {
        assert.equal(p.monitor.state, 'up');
        const t = await p.tenant('Load');
        await p.replicaOnlyCompany(t.id, 'replica-row');
        let failed = 0;
        const seen = new Set<string>();
        const round = async (): Promise<void> => {
          const rs = await Promise.all(
            Array.from({ length: 8 }, () =>
              p.apps[0]!.inject({ method: 'GET', url: '/api/v1/crm/companies', headers: t.headers }),
            ),
          );
          for (const r of rs) {
            if (r.statusCode !== 200) failed++;
            else seen.add(JSON.stringify((r.json().data as { name: string }[]).map((c) => c.name)));
          }
        };
        await round();
        const rounds = Array.from({ length: 6 }, (_, i) => (async () => (i === 2 ? proxy!.kill() : round()))());
        await Promise.all(rounds);
        await round();
        assert.equal(failed, 0);
        assert.deepEqual([...seen].sort(), ['["replica-row"]', '[]']);
        assert.equal(p.monitor.state, 'down');
        assert.ok((await p.metric(reads('primary', 'replica_down')))! >= 8);
        assert.ok((await p.metric(reads('replica', 'replica')))! >= 8);
        assert.equal(await p.metric('tenantops_db_replica_up'), 0);
        assert.ok(
          p.logs.some((l) => /down: a read failed/.test(l)),
          p.logs.join('\n'),
        );
      } finally {
        await p.close();
      }
    });
  });
}

describe('replica refusals', () => {
  test('PGlite has no replication: --db-replica on it is a usage error, found without connecting', async () => {
    const primary = await connectDb('pglite://memory');
    try {
      // canReplicate answers before connecting; it must agree with the connector (the server engines: below).
      assert.equal(primary.replicaStatus, undefined);
      assert.equal(canReplicate('pglite'), false);
      await assert.rejects(ReplicaMonitor.open('pglite://memory', primary), (e: unknown) => {
        assert.ok(e instanceof TenantopsError);
        assert.equal(e.code, 'TENANTOPS_E_USAGE');
        assert.match(e.message, /pglite has no replication to read from/);
        return true;
      });
    } finally {
      await primary.close();
    }
  });

  test('a replica of another engine than the primary is refused before connecting, without its password', async () => {
    const primary = await connectDb('pglite://memory');
    try {
      await assert.rejects(ReplicaMonitor.open('mysql://app:hunter2@127.0.0.1:1/x', primary), (e: unknown) => {
        assert.ok(e instanceof TenantopsError);
        assert.equal(e.code, 'TENANTOPS_E_USAGE');
        assert.match(e.message, /is mysql but --db is pglite/);
        assert.doesNotMatch(e.message, /hunter2/);
        return true;
      });
    } finally {
      await primary.close();
    }
  });
});

describe('startServer with --db-replica [postgres]', async () => {
  const skip = await skipReason('postgres');
  test('serves over HTTP with an unreachable replica and closes it on close()', { skip }, async () => {
    const { createTempDatabase } = await import('../helpers/test-databases.ts');
    const temp = await createTempDatabase('postgres');
    const lines: string[] = [];
    try {
      const closed = await freePort();
      const server = await startServer({
        dbUrl: temp.url,
        dbReplicaUrl: withPort(temp.url, closed).replace('postgres://postgres@', 'postgres://postgres:s3cret@'),
        port: 0,
        adminToken: 'tok',
        queue: { workers: 0 },
        defaultMetrics: false,
        log: (l) => lines.push(l),
      });
      try {
        const health = (await (await fetch(`${server.url}/api/health`)).json()) as { data: { replica: string } };
        assert.equal(health.data.replica, 'down');
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /^tenantops_db_replica_up 0$/m);
        assert.ok(
          lines.some((l) => l.includes('postgres:***@')),
          lines.join('\n'),
        );
        assert.ok(!lines.join('\n').includes('s3cret'));
      } finally {
        await server.close();
      }
    } finally {
      await temp.drop();
    }
  });
});
