import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db, Queryable } from '../db/index.ts';
import type { PlatformMetrics } from './metrics.ts';
import { ReadYourWrites } from './read-your-writes.ts';
import type { ReplicaMonitor, ReplicaState } from './replica-monitor.ts';
import { RoutedReads, type ReadReason } from './routed-reads.ts';

export interface DbRouterOptions {
  primary: Db;
  replica?: ReplicaMonitor | null;
  metrics: PlatformMetrics;
  /** After a tenant's write, its reads go to the primary for this long (default 2000; 0 turns it off). */
  readYourWritesMs?: number;
  /** A replica read slower than this is served by the primary instead (default 5000). */
  replicaReadTimeoutMs?: number;
  now?: () => number;
}

// Only these methods are reads: every route registered for them is read-only (the platform's rule).
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Gives each tenant request the database it should use: the primary for writes, and for reads the replica when
 * it is healthy and the tenant has not written within the read-your-writes window. Routes keep using their
 * TenantRepo; only the Queryable under it changes. Shared code (API keys, queue, health, metrics) stays on the
 * primary.
 */
export class DbRouter {
  readonly primary: Db;
  readonly replica: ReplicaMonitor | null;
  private readonly metrics: PlatformMetrics;
  private readonly ryw: ReadYourWrites;
  private readonly replicaReadTimeoutMs: number;
  private readonly requests = new WeakMap<FastifyRequest, { tenantId: number; reads: RoutedReads | null }>();

  constructor({
    primary,
    replica = null,
    metrics,
    readYourWritesMs = 2000,
    replicaReadTimeoutMs = 5000,
    now = Date.now,
  }: DbRouterOptions) {
    this.primary = primary;
    this.replica = replica;
    this.metrics = metrics;
    this.replicaReadTimeoutMs = replicaReadTimeoutMs;
    this.ryw = new ReadYourWrites({ windowMs: readYourWritesMs, now });
  }

  /** The replica's state for /api/health; null without a replica. */
  replicaState(): ReplicaState | null {
    return this.replica?.state ?? null;
  }

  /** What the tenant's repo runs on for this request; called once the tenant is known. */
  queryableFor(request: FastifyRequest, tenantId: number): Queryable {
    if (!READ_METHODS.has(request.method)) {
      this.requests.set(request, { tenantId, reads: null });
      return this.primary;
    }
    const { replica, reason } = this.choose(tenantId, request.headers.cookie);
    const reads = new RoutedReads({
      primary: this.primary,
      replica,
      reason,
      timeoutMs: this.replicaReadTimeoutMs,
      onReplicaFailure: (e) => this.replica?.markDown(`a read failed: ${e.message}`),
    });
    this.requests.set(request, { tenantId, reads });
    return reads;
  }

  /** Hooks of the tenant context: the read-your-writes cookie on writes, and the reads counter. */
  install(scope: FastifyInstance): void {
    if (this.replica) {
      scope.addHook('onSend', async (request, reply, payload) => {
        const r = this.requests.get(request);
        // A request refused before its handler ran (4xx) wrote nothing; a 5xx may have committed part of its work.
        if (r && !r.reads && (reply.statusCode < 400 || reply.statusCode >= 500)) {
          const cookie = this.ryw.noteWrite(r.tenantId);
          if (cookie) void reply.header('set-cookie', cookie);
        }
        return payload;
      });
    }
    scope.addHook('onResponse', async (request) => {
      const reads = this.requests.get(request)?.reads;
      if (reads && reads.reads > 0) this.metrics.dbReads.inc({ target: reads.target, reason: reads.reason });
    });
  }

  private choose(tenantId: number, cookie: string | undefined): { replica: Db | null; reason: ReadReason } {
    if (!this.replica) return { replica: null, reason: 'no_replica' };
    const db = this.replica.current();
    if (!db) return { replica: null, reason: this.replica.state === 'lagging' ? 'replica_lagging' : 'replica_down' };
    if (this.ryw.pinned(tenantId, cookie)) return { replica: null, reason: 'read_your_writes' };
    return { replica: db, reason: 'replica' };
  }
}
