import type { Db } from '../db/index.ts';
import type { ApiKeyResolver } from './api-key-resolver.ts';
import type { DbRouter } from './db-router.ts';
import type { PlatformFaults } from './faults.ts';
import type { PlatformMetrics } from './metrics.ts';
import type { AgentQueue } from './queue.ts';
import type { TenantRateLimiter } from './rate-limiter.ts';
import type { SessionTracker } from './session-tracker.ts';

/** What the route plugins share; built once by buildApp. */
export interface PlatformContext {
  /** The primary: every write, and everything that is not a tenant read. */
  db: Db;
  /** Which database a tenant request reads from (the replica, when there is one and it is healthy). */
  router: DbRouter;
  metrics: PlatformMetrics;
  sessions: SessionTracker;
  queue: AgentQueue;
  keys: ApiKeyResolver;
  rateLimiter: TenantRateLimiter | null;
  adminToken: string | null;
  faults: PlatformFaults;
}
