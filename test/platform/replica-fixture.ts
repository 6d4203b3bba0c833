import type { FastifyInstance } from 'fastify';
import { connectDb, type Db } from '../../src/db/index.ts';
import { buildApp, type AppOptions } from '../../src/platform/app.ts';
import { ReplicaMonitor, type OpenReplicaOptions } from '../../src/platform/replica-monitor.ts';
import { nowText } from '../../src/platform/routes/route-schemas.ts';
import { migrate } from '../../src/platform/schema/migrate.ts';
import { TenantRepo } from '../../src/platform/tenant-repo.ts';
import { createTempDatabase, type TempDatabase } from '../helpers/test-databases.ts';
import { ADMIN_TOKEN, sample, type TestTenant } from './platform-fixture.ts';

export interface ReplicaPlatform {
  /** One or more app instances on the same primary and replica: the nodes behind a load balancer. */
  apps: FastifyInstance[];
  primary: Db;
  /** A connection of the test's own to the "replica" database, to give it rows the primary does not have. */
  replicaDb: Db;
  monitor: ReplicaMonitor;
  logs: string[];
  tenant(name: string): Promise<TestTenant>;
  /** Puts a company into the replica only, so a read that returns it was served by the replica. */
  replicaOnlyCompany(tenantId: number, name: string): Promise<void>;
  /** Company names the tenant sees through GET /api/v1/crm/companies on apps[i]. */
  companies(t: TestTenant, i?: number, cookie?: string): Promise<{ names: string[]; setCookie: unknown }>;
  metric(series: string, i?: number): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface ReplicaPlatformOptions {
  /** Read from this URL instead of the second database (e.g. a proxy in front of it, or a closed port). */
  replicaUrl?: (url: string) => string | Promise<string>;
  monitor?: OpenReplicaOptions;
  app?: Partial<AppOptions>;
  nodes?: number;
}

/**
 * Two databases with the same schema: the primary, and a second one that stands in for a replica. It is not a
 * replica (the monitor reads it as lag 0), and its rows differ on purpose, so a test can tell which one served a read.
 */
export async function startReplicaPlatform(
  engine: 'mysql' | 'postgres',
  options: ReplicaPlatformOptions = {},
): Promise<ReplicaPlatform> {
  const temps: TempDatabase[] = [await createTempDatabase(engine), await createTempDatabase(engine)];
  const [primaryTemp, replicaTemp] = temps as [TempDatabase, TempDatabase];
  const primary = await connectDb(primaryTemp.url, { values: 'typed', poolMax: 5 });
  const replicaDb = await connectDb(replicaTemp.url, { values: 'typed', poolMax: 2 });
  await migrate(primary);
  await migrate(replicaDb);
  const logs: string[] = [];
  const replicaUrl = options.replicaUrl ? await options.replicaUrl(replicaTemp.url) : replicaTemp.url;
  const monitor = await ReplicaMonitor.open(replicaUrl, primary, {
    probeEveryMs: 100,
    log: (l) => logs.push(l),
    ...options.monitor,
  });
  const apps: FastifyInstance[] = [];
  for (let i = 0; i < (options.nodes ?? 1); i++) {
    const app = await buildApp({
      db: primary,
      replica: monitor,
      adminToken: ADMIN_TOKEN,
      defaultMetrics: false,
      queue: { workers: 0 },
      ...options.app,
    });
    await app.ready();
    apps.push(app);
  }
  const app0 = apps[0]!;
  return {
    apps,
    primary,
    replicaDb,
    monitor,
    logs,
    async tenant(name) {
      const r = await app0.inject({
        method: 'POST',
        url: '/api/v1/admin/tenants',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { name },
      });
      if (r.statusCode !== 201) throw new Error(`tenant creation failed: ${r.statusCode} ${r.body}`);
      const d = r.json().data as { id: number; api_key: string; agents: { id: number; name: string }[] };
      return { id: d.id, key: d.api_key, agents: d.agents, headers: { authorization: `Bearer ${d.api_key}` } };
    },
    async replicaOnlyCompany(tenantId, name) {
      const now = nowText();
      await new TenantRepo(replicaDb, replicaDb.dialect, tenantId).insert('crm_company', {
        name,
        created: now,
        changed: now,
      });
    },
    async companies(t, i = 0, cookie) {
      const r = await apps[i]!.inject({
        method: 'GET',
        url: '/api/v1/crm/companies',
        headers: { ...t.headers, ...(cookie ? { cookie } : {}) },
      });
      if (r.statusCode !== 200) throw new Error(`GET companies: ${r.statusCode} ${r.body}`);
      return {
        names: (r.json().data as { name: string }[]).map((c) => c.name).sort(),
        setCookie: r.headers['set-cookie'],
      };
    },
    async metric(series, i = 0) {
      return sample((await apps[i]!.inject({ method: 'GET', url: '/metrics' })).body, series);
    },
    async close() {
      for (const app of apps) await app.close();
      await monitor.close();
      await primary.close();
      await replicaDb.close();
      for (const t of temps) await t.drop();
    },
  };
}

export const reads = (target: string, reason: string): string =>
  `tenantops_db_reads_total{target="${target}",reason="${reason}"}`;
