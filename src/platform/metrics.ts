import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/index.ts';
import type { ReplicaMonitor } from './replica-monitor.ts';
import type { ReadReason, ReadTarget } from './routed-reads.ts';
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
  dbReads: Counter<'target' | 'reason'>;
}

export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
export const JOB_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface MetricsDeps {
  db: Db;
  sessions: SessionTracker;
  /** Default Node.js process metrics; tests that build many apps may turn them off. */
  defaultMetrics?: boolean;
  /** The read replica's monitor, if the app has one. */
  replica?: ReplicaMonitor | null;
}

/**
 * A gauge that exposes no sample while `value()` is null: "no replica" or "lag unknown" must read as absent, not
 * as 0 (a replica caught up, or down). Its HELP and TYPE lines stay, so the series is still documented on /metrics.
 */
class OptionalGauge extends Gauge {
  constructor(name: string, help: string, registers: Registry[], value: () => number | null) {
    super({
      name,
      help,
      registers,
      collect() {
        this.set(value() ?? 0);
      },
    });
    this.value = value;
  }
  private readonly value: () => number | null;
  override async get(): Promise<Awaited<ReturnType<Gauge['get']>>> {
    const metric = await super.get();
    return this.value() === null ? { ...metric, values: [] } : metric;
  }
}

// Each pair a node can report, so rate() sees every series from the first scrape instead of after its first read.
const READ_SERIES: [ReadTarget, ReadReason][] = [
  ['replica', 'replica'],
  ['primary', 'read_your_writes'],
  ['primary', 'replica_lagging'],
  ['primary', 'replica_down'],
];

export function createPlatformMetrics({
  db,
  sessions,
  defaultMetrics = true,
  replica = null,
}: MetricsDeps): PlatformMetrics {
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
  new OptionalGauge(
    'tenantops_db_replica_up',
    'The read replica answers its health probe (1) or not (0); absent without --db-replica.',
    registers,
    () => (replica ? (replica.state === 'down' ? 0 : 1) : null),
  );
  new OptionalGauge(
    'tenantops_db_replica_lag_seconds',
    "The read replica's lag at the last probe; absent without a replica, or when the lag is unknown or it is down.",
    registers,
    () => replica?.lagSeconds ?? null,
  );
  const dbReads = new Counter<'target' | 'reason'>({
    name: 'tenantops_db_reads_total',
    help: 'Read requests of tenant routes by the database that served them (target) and why (reason).',
    labelNames: ['target', 'reason'],
    registers,
  });
  for (const [target, reason] of replica ? READ_SERIES : [['primary', 'no_replica'] as const])
    dbReads.inc({ target, reason }, 0);
  return {
    registry,
    dbReads,
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
