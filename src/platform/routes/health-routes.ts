import type { FastifyInstance } from 'fastify';
import { queueDepth } from '../metrics.ts';
import type { PlatformContext } from '../platform-context.ts';

const healthTimeoutMs = 2000;

/** Public: the health check for load balancers and the Prometheus scrape endpoint. */
export async function healthRoutes(app: FastifyInstance, { ctx }: { ctx: PlatformContext }): Promise<void> {
  app.get('/api/health', async (_req, reply) => {
    try {
      // A pool waiting on a dead server could hang the probe; answer within the timeout either way.
      const depth = await Promise.race([
        queueDepth(ctx.db),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), healthTimeoutMs).unref()),
      ]);
      // The replica's state is informative only: without it the node still serves every read from the primary.
      const replica = ctx.router.replicaState();
      return {
        success: true,
        data: {
          status: 'ok',
          db: 'up',
          ...(replica ? { replica } : {}),
          queue: { ...depth, workers: ctx.queue.workers },
        },
      };
    } catch {
      // The driver's reason is not for clients; a probe only needs to know it should route elsewhere.
      return reply
        .status(503)
        .send({ success: false, error: 'database unreachable', data: { status: 'degraded', db: 'down' } });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}
