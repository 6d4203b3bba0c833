import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/index.ts';
import type { SessionTracker } from './session-tracker.ts';
import { ident, sql } from './sql.ts';

/** Every series in docs/metrics.md; names, labels and buckets are a contract with the alert rules. */
export interface PlatformMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  tenantRequests: Counter<'tenant'>;
  rateLimited: Counter<'tenant'>;
  jobDuration: Histogram<'status'>;
  jobsCompleted: Counter<'status'>;
  jobsReclaimed: Counter;
}

export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
export const JOB_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface MetricsDeps {
  db: Db;
  sessions: SessionTracker;
  /** Default Node.js process metrics; tests that build many apps may turn them off. */
  defaultMetrics?: boolean;
}

export function createPlatformMetrics({ db, sessions, defaultMetrics = true }: MetricsDeps): PlatformMetrics {
  // One registry per app, so several apps in one process (tests) never share or clash on series.
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const q = db.dialect.quoteIdent;

  // The pool gauges are registered first: prom-client collects in registration order, so they sample the pool
  // before the tenant-count and queue-depth gauges start their own queries (which would count as pool use).
  const pool = (name: string, help: string, pick: (s: ReturnType<Db['poolStats']>) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(pick(db.poolStats()));
      },
    });
  };
  pool('tenantops_db_pool_connections_in_use', 'DB pool connections checked out.', (s) => s.inUse);
  pool('tenantops_db_pool_connections_idle', 'DB pool connections open and idle.', (s) => s.idle);
  pool('tenantops_db_pool_requests_waiting', 'Callers waiting for a pool connection.', (s) => s.waiting);
  pool('tenantops_db_pool_connections_max', "The pool's configured maximum.", (s) => s.max);

  new Gauge({
    name: 'tenantops_tenant_sessions',
    help: 'Concurrent sessions of a tenant: distinct API keys with a request in flight or finished in the last 60 s.',
    labelNames: ['tenant'],
    registers,
    collect() {
      // reset() drops the series of tenants that went idle: only active tenants have one.
      this.reset();
      for (const [tenant, n] of sessions.sessions()) this.set({ tenant: String(tenant) }, n);
    },
  });
  new Gauge({
    name: 'tenantops_active_tenants',
    help: 'Tenants with a request in the last 15 minutes.',
    registers,
    collect() {
      this.set(sessions.activeTenants());
    },
  });
  new Gauge({
    name: 'tenantops_tenants_total',
    help: 'Tenants that exist (rows of type tenant in groups).',
    registers,
    async collect() {
      // A failing scrape query keeps the last value instead of failing all of /metrics.
      const rows = await db
        .query<{ n: number | string }>(
          `SELECT COUNT(*) AS ${q('n')} FROM ${q('groups')} WHERE ${q('type')} = ${db.dialect.param(1)}`,
          ['tenant'],
        )
        .catch(() => null);
      if (rows) this.set(Number(rows[0]?.n ?? 0));
    },
  });
  new Gauge({
    name: 'tenantops_queue_depth',
    help: 'Agent executions by status: queued, running.',
    labelNames: ['status'],
    registers,
    async collect() {
      const depth = await queueDepth(db).catch(() => null);
      if (depth) for (const [status, n] of Object.entries(depth)) this.set({ status }, n);
    },
  });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'API latency by route template. No tenant label, for cardinality.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    tenantRequests: new Counter({
      name: 'tenantops_tenant_requests_total',
      help: 'Requests per tenant (authenticated tenant routes only).',
      labelNames: ['tenant'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'tenantops_rate_limited_total',
      help: 'Requests refused with 429 by the per-tenant rate limiter.',
      labelNames: ['tenant'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'tenantops_job_duration_seconds',
      help: 'Time from claim to completion of an agent execution.',
      labelNames: ['status'],
      buckets: JOB_BUCKETS,
      registers,
    }),
    jobsCompleted: new Counter({
      name: 'tenantops_jobs_completed_total',
      help: 'Agent executions finished, by status (done, failed).',
      labelNames: ['status'],
      registers,
    }),
    jobsReclaimed: new Counter({
      name: 'tenantops_jobs_reclaimed_total',
      help: 'Agent executions whose lease expired and were reclaimed.',
      registers,
    }),
  };
}

/** Executions waiting and running, across all tenants (an operator view, like the health check). */
export async function queueDepth(db: Db): Promise<{ queued: number; running: number }> {
  const s = sql`SELECT ${ident('status')}, COUNT(*) AS ${ident('n')} FROM ${ident('ai_agent_execution')}
    WHERE ${ident('status')} IN (${'queued'}, ${'running'}) GROUP BY ${ident('status')}`;
  const { text, params } = s.render(db.dialect);
  const rows = await db.query<{ status: string; n: number | string }>(text, params);
  const out = { queued: 0, running: 0 };
  for (const r of rows) if (r.status === 'queued' || r.status === 'running') out[r.status] = Number(r.n);
  return out;
}
