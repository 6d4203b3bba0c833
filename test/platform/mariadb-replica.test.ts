import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { connectDb, type Db } from '../../src/db/index.ts';
import { startMariadbPair, type MariadbPair } from '../../src/lab/mariadb-pair.ts';
import { buildApp } from '../../src/platform/app.ts';
import { ReplicaMonitor } from '../../src/platform/replica-monitor.ts';
import { migrate } from '../../src/platform/schema/migrate.ts';
import { ADMIN_TOKEN, sample } from './platform-fixture.ts';
import { reads } from './replica-fixture.ts';

const MARIADBD = '/usr/sbin/mariadbd';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Two mariadbd of its own (src/lab's pair, the one `npm run lab:phase3` uses), so it needs the server binaries, not a
// running server.
const skip = existsSync(MARIADBD) ? false : `${MARIADBD} not installed (Debian's mariadb-server)`;

describe('a real MariaDB replica with GTID replication', () => {
  test(
    'reads follow the replica while it applies, fall back to the primary while its SQL thread is stopped, and return',
    { skip, timeout: 240_000 },
    async () => {
      let pair: MariadbPair | undefined;
      let primary: Db | undefined;
      let monitor: ReplicaMonitor | undefined;
      const logs: string[] = [];
      try {
        pair = await startMariadbPair();
        primary = await connectDb(pair.primaryUrl, { values: 'typed', poolMax: 4 });
        await migrate(primary);
        await pair.waitForReplica();
        const open = () =>
          ReplicaMonitor.open(pair!.replicaUrl, primary!, { probeEveryMs: 200, log: (l) => logs.push(l) });

        // Without SLAVE MONITOR (an app login with rights on its database only), the replica answers but cannot
        // tell its lag. The pair grants it; take it away for this first look.
        await pair.adminQuery('primary', "REVOKE SLAVE MONITOR ON *.* FROM 'tenantops'@'127.0.0.1'");
        await pair.waitForReplica();
        monitor = await open();
        assert.equal(monitor.state, 'lagging');
        assert.ok(
          logs.some((l) => /GRANT SLAVE MONITOR/.test(l)),
          logs.join('\n'),
        );
        await monitor.close();
        await pair.adminQuery('primary', "GRANT SLAVE MONITOR ON *.* TO 'tenantops'@'127.0.0.1'");
        await pair.waitForReplica();
        monitor = await open();
        assert.equal(monitor.state, 'up', logs.join('\n'));
        assert.equal(monitor.lagSeconds, 0);

        const app = await buildApp({
          db: primary,
          replica: monitor,
          readYourWritesMs: 300,
          adminToken: ADMIN_TOKEN,
          defaultMetrics: false,
          queue: { workers: 0 },
        });
        try {
          const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
          const created = await app.inject({
            method: 'POST',
            url: '/api/v1/admin/tenants',
            headers: admin,
            payload: { name: 'R' },
          });
          const headers = { authorization: `Bearer ${created.json().data.api_key as string}` };
          const company = (name: string) =>
            app.inject({ method: 'POST', url: '/api/v1/crm/companies', headers, payload: { name } });
          const names = async (): Promise<string[]> => {
            const r = await app.inject({ method: 'GET', url: '/api/v1/crm/companies', headers });
            assert.equal(r.statusCode, 200, r.body);
            return (r.json().data as { name: string }[]).map((c) => c.name).sort();
          };
          const metric = async (s: string) => sample((await app.inject({ method: 'GET', url: '/metrics' })).body, s);

          assert.equal((await company('c1')).statusCode, 201);
          await pair.waitForReplica();
          await sleep(350); // past the read-your-writes window
          assert.deepEqual(await names(), ['c1']);
          assert.equal(await metric(reads('replica', 'replica')), 1);

          await pair.stopReplicaSql();
          await monitor.probe();
          assert.equal(monitor.state, 'lagging');
          assert.equal(monitor.lagSeconds, null, 'Seconds_Behind_Master is NULL with the SQL thread stopped');
          assert.ok(
            logs.some((l) => /lagging: lag unknown \(SQL thread running: No\)/.test(l)),
            logs.join('\n'),
          );
          assert.equal((await company('c2')).statusCode, 201);
          await sleep(350);
          // c2 exists only on the primary now: seeing it proves the read went there.
          assert.deepEqual(await names(), ['c1', 'c2']);
          assert.equal(await metric(reads('primary', 'replica_lagging')), 1);
          assert.equal(await metric('tenantops_db_replica_up'), 1);
          assert.equal(await metric('tenantops_db_replica_lag_seconds'), undefined, 'unknown lag has no sample');

          await pair.startReplicaSql();
          await pair.waitForReplica();
          await monitor.probe();
          assert.equal(monitor.state, 'up');
          assert.deepEqual(await names(), ['c1', 'c2']);
          assert.equal(await metric(reads('replica', 'replica')), 2);
          assert.equal(await metric('tenantops_db_replica_lag_seconds'), 0);
        } finally {
          await app.close();
        }
      } finally {
        await monitor?.close();
        await primary?.close();
        await pair?.stop();
      }
    },
  );
});
