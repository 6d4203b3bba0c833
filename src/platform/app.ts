import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Db } from '../db/index.ts';
import { ApiKeyResolver } from './api-key-resolver.ts';
import { DbRouter } from './db-router.ts';
import type { PlatformFaults } from './faults.ts';
import { HttpError } from './http-error.ts';
import { installErrorHandling } from './install-error-handling.ts';
import { createPlatformMetrics } from './metrics.ts';
import type { PlatformContext } from './platform-context.ts';
import { AgentQueue, type QueueOptions } from './queue.ts';
import { TenantRateLimiter, type RateLimitOptions } from './rate-limiter.ts';
import type { ReplicaMonitor } from './replica-monitor.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { agentRoutes } from './routes/agent-routes.ts';
import { analyticsRoutes } from './routes/analytics-routes.ts';
import { crmRoutes } from './routes/crm-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { socialRoutes } from './routes/social-routes.ts';
import { SessionTracker } from './session-tracker.ts';
import { installTenancy } from './tenancy.ts';

export interface AppOptions {
  /** An open, migrated database; the caller owns it and closes it after app.close(). */
  db: Db;
  /** A read replica, started; the caller owns it and closes it after app.close(). Tenant GET routes read from it. */
  replica?: ReplicaMonitor | null;
  /** After a tenant's write, its reads go to the primary for this long (default 2000 ms; 0 turns it off). */
  readYourWritesMs?: number;
  /** A replica read slower than this is served by the primary instead (default 5000 ms). */
  replicaReadTimeoutMs?: number;
  /** Bearer token for /api/v1/admin; null disables the admin routes. */
  adminToken?: string | null;
  /** Queue workers (default 2; 0 pauses) and the simulated agent. */
  queue?: QueueOptions;
  /** Per-tenant rate limit; off (null) by default. */
  rateLimit?: RateLimitOptions | null;
  /** Session window of tenantops_tenant_sessions (default 60 s) and activity window of active tenants (15 min). */
  sessionWindowMs?: number;
  activeWindowMs?: number;
  /** How long a resolved API key is cached. */
  keyCacheTtlMs?: number;
  /** prom-client's default process metrics (on by default). */
  defaultMetrics?: boolean;
  logger?: FastifyServerOptions['logger'];
  /** TEST-ONLY fault injection; see faults.ts and docs/api.md. */
  faults?: PlatformFaults;
}

declare module 'fastify' {
  interface FastifyInstance {
    platform: PlatformContext;
  }
}

/**
 * Builds the API and never listens: tests drive it with app.inject(), server.ts binds the port. Workers start when
 * the app is ready and are drained on app.close(), after in-flight requests.
 */
export async function buildApp({
  db,
  replica = null,
  readYourWritesMs = 2000,
  replicaReadTimeoutMs = 5000,
  adminToken = null,
  queue: queueOptions = {},
  rateLimit = null,
  sessionWindowMs = 60_000,
  activeWindowMs = 900_000,
  keyCacheTtlMs = 30_000,
  defaultMetrics = true,
  logger = false,
  faults = {},
}: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    // No access log per request: at load-test rates it would cost more than the request; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Unknown fields are rejected (not silently dropped), and query strings are coerced from text.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });
  const sessions = new SessionTracker({ sessionWindowMs, activeWindowMs });
  const metrics = createPlatformMetrics({ db, sessions, defaultMetrics, replica });
  const ctx: PlatformContext = {
    db,
    router: new DbRouter({ primary: db, replica, metrics, readYourWritesMs, replicaReadTimeoutMs }),
    metrics,
    sessions,
    queue: new AgentQueue(db, metrics, queueOptions),
    keys: new ApiKeyResolver(db, { ttlMs: keyCacheTtlMs }),
    rateLimiter: rateLimit ? new TenantRateLimiter(rateLimit) : null,
    adminToken,
    faults,
  };
  app.decorate('platform', ctx);

  // An empty body with Content-Type: application/json (common for POST …/won) means "no body", not a 400.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const s = String(body);
    if (s.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(s));
    } catch {
      done(new HttpError(400, 'body: invalid JSON'), undefined);
    }
  });

  installErrorHandling(app);
  app.addHook('onResponse', async (request, reply) => {
    // The route template, never the raw URL: ids in paths would explode the series count.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onReady', async () => ctx.queue.start());
  app.addHook('onClose', async () => ctx.queue.stop());

  await app.register(healthRoutes, { ctx });
  await app.register(adminRoutes, { prefix: '/api/v1/admin', ctx });
  await app.register(
    async (tenantScope) => {
      installTenancy(tenantScope, ctx);
      ctx.router.install(tenantScope);
      await tenantScope.register(crmRoutes, { prefix: '/crm' });
      await tenantScope.register(agentRoutes, { prefix: '/agents', ctx });
      await tenantScope.register(analyticsRoutes, { prefix: '/analytics' });
      await tenantScope.register(socialRoutes, { prefix: '/social' });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
