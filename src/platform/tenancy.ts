import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.ts';
import type { PlatformContext } from './platform-context.ts';
import { TenantRepo } from './tenant-repo.ts';

export interface Tenancy {
  tenantId: number;
  keyId: number;
  repo: TenantRepo;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenancy: Tenancy | null;
  }
}

/** The tenant of an authenticated request; only routes inside the tenant context call this. */
export function tenancyOf(request: FastifyRequest): Tenancy {
  if (!request.tenancy) throw new Error('tenant route registered outside the tenancy context');
  return request.tenancy;
}

export function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1]! : null;
}

/**
 * Adds the tenant hook to an encapsulated context: the API key decides the tenant, a disagreeing X-Tenant-Id is
 * refused, and each request gets a TenantRepo bound to that tenant, on the database DbRouter picks. Also session tracking, the per-tenant request
 * counter, rate limiting and the test-only per-tenant delay.
 */
export function installTenancy(app: FastifyInstance, ctx: PlatformContext): void {
  app.decorateRequest('tenancy', null);
  const disabled = new Set(ctx.faults.disableTenantFilterOn ?? []);
  const ends = new WeakMap<FastifyRequest, () => void>();

  app.addHook('onRequest', async (request) => {
    const key = bearer(request);
    const resolved = key ? await ctx.keys.resolve(key) : null;
    if (!resolved) {
      throw new HttpError(401, 'missing or invalid API key (Authorization: Bearer <key>)', {
        'www-authenticate': 'Bearer',
      });
    }
    const { tenantId, keyId } = resolved;
    const claimed = request.headers['x-tenant-id'];
    if (claimed !== undefined && String(claimed).trim() !== String(tenantId)) {
      throw new HttpError(403, 'X-Tenant-Id does not match the API key');
    }
    const tenant = String(tenantId);
    ctx.metrics.tenantRequests.inc({ tenant });
    ends.set(request, ctx.sessions.begin(tenantId, keyId));
    const wait = ctx.rateLimiter?.take(tenantId) ?? 0;
    if (wait > 0) {
      ctx.metrics.rateLimited.inc({ tenant });
      throw new HttpError(429, `rate limit exceeded for tenant ${tenant}; retry after ${wait} s`, {
        'retry-after': String(wait),
      });
    }
    const delay = ctx.faults.tenantDelayMs?.[tenant];
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    const filter = !(disabled.has(route) || disabled.has('*'));
    request.tenancy = {
      tenantId,
      keyId,
      // GET routes read through the router (the replica when healthy); transactions and writes use the primary.
      repo: new TenantRepo(ctx.router.queryableFor(request, tenantId), ctx.db.dialect, tenantId, {
        db: ctx.db,
        filter,
      }),
    };
  });
  const end = async (request: FastifyRequest): Promise<void> => {
    ends.get(request)?.();
  };
  app.addHook('onResponse', end);
  app.addHook('onRequestAbort', end);
}
