import type { FastifyInstance } from 'fastify';
import { ident, sql } from '../sql.ts';
import { tenancyOf } from '../tenancy.ts';

/** Social: account and post statistics for the tenant. */
export async function socialRoutes(app: FastifyInstance): Promise<void> {
  app.get('/stats', async (req) => {
    const repo = tenancyOf(req).repo;
    const n = sql`COUNT(*) AS ${ident('n')}`;
    const accounts = await repo.select<{ platform: string; n: unknown }>('social_account', {
      columns: ['platform', n],
      groupBy: ['platform'],
    });
    const posts = await repo.select<{ status: string; n: unknown; likes: unknown; shares: unknown }>('social_post', {
      columns: [
        'status',
        n,
        sql`SUM(${ident('likes')}) AS ${ident('likes')}`,
        sql`SUM(${ident('shares')}) AS ${ident('shares')}`,
      ],
      groupBy: ['status'],
    });
    const sum = (xs: readonly unknown[]): number => xs.reduce<number>((a, x) => a + Number(x ?? 0), 0);
    return {
      success: true,
      data: {
        accounts_total: sum(accounts.map((a) => a.n)),
        accounts_by_platform: Object.fromEntries(accounts.map((a) => [a.platform, Number(a.n)])),
        posts_total: sum(posts.map((p) => p.n)),
        posts_by_status: Object.fromEntries(posts.map((p) => [p.status, Number(p.n)])),
        likes: sum(posts.map((p) => p.likes)),
        shares: sum(posts.map((p) => p.shares)),
      },
    };
  });
}
