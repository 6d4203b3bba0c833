import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectDb, type Db } from '../../src/db/index.ts';
import { buildApp } from '../../src/platform/app.ts';
import { ReplicaMonitor } from '../../src/platform/replica-monitor.ts';
import { migrate } from '../../src/platform/schema/migrate.ts';
import { startPostgresStandby, standbyUnavailable, type PostgresStandby } from '../helpers/postgres-standby.ts';
import { ADMIN_TOKEN, sample } from './platform-fixture.ts';
import { reads } from './replica-fixture.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const skip = standbyUnavailable() ?? false;

describe('a real PostgreSQL streaming standby', () => {
  test(
    'reads go to the standby, stay there behind an idle primary, and fall back while replay is paused',
    { skip, timeout: 180_000 },
    async () => {
      let pair: PostgresStandby | undefined;
      let primary: Db | undefined;
      let monitor: ReplicaMonitor | undefined;
      const logs: string[] = [];
      try {
        pair = await startPostgresStandby();
        primary = await connectDb(pair.primaryUrl, { values: 'typed', poolMax: 4 });
        await migrate(primary);
        await pair.caughtUp();
        monitor = await ReplicaMonitor.open(pair.standbyUrl, primary, {
          maxLagSeconds: 1,
          probeEveryMs: 100,
          log: (l) => logs.push(l),
        });
        assert.equal(monitor.state, 'up', logs.join('\n'));
        assert.equal(monitor.lagSeconds, 0);
        // Longer than the lag limit with nothing written: the last replayed commit ages, yet the standby has
        // replayed all it received, so it stays in use (now() - pg_last_xact_replay_timestamp() alone would not).
        await sleep(1500);
        await monitor.probe();
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
          const created = await app.inject({
            method: 'POST',
            url: '/api/v1/admin/tenants',
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
            payload: { name: 'S' },
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
          await pair.caughtUp();
          await sleep(350);
          assert.deepEqual(await names(), ['c1']);
          assert.equal(await metric(reads('replica', 'replica')), 1);

          await pair.admin('standby', 'SELECT pg_wal_replay_pause()');
          await monitor.probe();
          assert.equal(monitor.state, 'lagging');
          assert.equal(monitor.lagSeconds, null);
          assert.ok(
            logs.some((l) => /lagging: lag unknown \(WAL replay paused\)/.test(l)),
            logs.join('\n'),
          );
          assert.equal((await company('c2')).statusCode, 201);
          await sleep(350);
          // c2 is not replayed on the standby: seeing it proves the read went to the primary.
          assert.deepEqual(await names(), ['c1', 'c2']);
          assert.equal(await metric(reads('primary', 'replica_lagging')), 1);

          await pair.admin('standby', 'SELECT pg_wal_replay_resume()');
          await pair.caughtUp();
          await monitor.probe();
          assert.equal(monitor.state, 'up');
          assert.deepEqual(await names(), ['c1', 'c2']);
          assert.equal(await metric(reads('replica', 'replica')), 2);
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
