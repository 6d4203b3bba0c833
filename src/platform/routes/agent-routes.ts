import type { FastifyInstance } from 'fastify';
import { notFound } from '../http-error.ts';
import type { PlatformContext } from '../platform-context.ts';
import { presentRow } from '../present-row.ts';
import { ident, sql } from '../sql.ts';
import { tenancyOf } from '../tenancy.ts';
import { listPage } from './list-page.ts';
import { id, idParams, nowText, pagination, type IdParams, type Page } from './route-schemas.ts';

/** AI agents. POST …/execute only enqueues: the executions table is the queue the workers drain. */
export async function agentRoutes(app: FastifyInstance, { ctx }: { ctx: PlatformContext }): Promise<void> {
  const repoOf = (r: Parameters<typeof tenancyOf>[0]) => tenancyOf(r).repo;

  app.get('/', async (req) => ({
    success: true,
    data: (await repoOf(req).select('ai_agent', { orderBy: [['id', 'ASC']] })).map((r) => presentRow('ai_agent', r)),
  }));

  app.post<{ Params: IdParams; Body: { input?: Record<string, unknown> } | undefined }>(
    '/:id/execute',
    {
      schema: {
        params: idParams,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { input: { type: 'object', maxProperties: 100 } },
        },
      },
    },
    async (req, reply) => {
      const repo = repoOf(req);
      if (!(await repo.exists('ai_agent', req.params.id))) throw notFound(`agent ${req.params.id}`);
      const newId = await repo.insert('ai_agent_execution', {
        agent_id: req.params.id,
        status: 'queued',
        input: JSON.stringify(req.body?.input ?? {}),
        tokens_used: 0,
        cost: '0',
        attempts: 0,
        queued_at: nowText(),
      });
      ctx.queue.notify();
      const row = await repo.get('ai_agent_execution', newId);
      return reply.status(202).send({ success: true, data: row && presentRow('ai_agent_execution', row) });
    },
  );

  app.get<{ Params: IdParams; Querystring: Page }>(
    '/:id/executions',
    { schema: { params: idParams, querystring: pagination } },
    async (req) => {
      const repo = repoOf(req);
      if (!(await repo.exists('ai_agent', req.params.id))) throw notFound(`agent ${req.params.id}`);
      return listPage(repo, 'ai_agent_execution', req.query, { agent_id: req.params.id });
    },
  );

  app.get<{ Params: { executionId: number } }>(
    '/executions/:executionId',
    {
      schema: {
        params: {
          type: 'object',
          required: ['executionId'],
          additionalProperties: false,
          properties: { executionId: id },
        },
      },
    },
    async (req) => {
      const row = await repoOf(req).get('ai_agent_execution', req.params.executionId);
      if (!row) throw notFound(`execution ${req.params.executionId}`);
      return { success: true, data: presentRow('ai_agent_execution', row) };
    },
  );

  app.get('/metrics', async (req) => {
    const rows = await repoOf(req).select<{ status: string; n: unknown; tokens: unknown; cost: unknown }>(
      'ai_agent_execution',
      {
        columns: [
          'status',
          sql`COUNT(*) AS ${ident('n')}`,
          sql`SUM(${ident('tokens_used')}) AS ${ident('tokens')}`,
          sql`SUM(${ident('cost')}) AS ${ident('cost')}`,
        ],
        groupBy: ['status'],
      },
    );
    const byStatus: Record<string, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    let tokens = 0;
    let cost = 0;
    for (const r of rows) {
      byStatus[r.status] = Number(r.n);
      tokens += Number(r.tokens ?? 0);
      cost += Number(r.cost ?? 0);
    }
    const finished = byStatus.done! + byStatus.failed!;
    return {
      success: true,
      data: {
        executions: byStatus,
        tokens_used: tokens,
        cost: Math.round(cost * 1e6) / 1e6,
        success_rate: finished ? byStatus.done! / finished : null,
      },
    };
  });
}
