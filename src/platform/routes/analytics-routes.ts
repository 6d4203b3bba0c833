import type { FastifyInstance } from 'fastify';
import { ident, joinSql, sql } from '../sql.ts';
import type { TenantRepo } from '../tenant-repo.ts';
import { tenancyOf } from '../tenancy.ts';
import { dateTime, dateTimeText, nowText, text } from './route-schemas.ts';

export const MAX_BATCH = 500;

const eventSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: text(128, 1),
    properties: { type: ['object', 'null'], maxProperties: 100 },
    session_id: { type: ['string', 'null'], maxLength: 64 },
    occurred_at: dateTime,
  },
} as const;

interface EventBody {
  name: string;
  properties?: Record<string, unknown> | null;
  session_id?: string | null;
  occurred_at?: string;
}

const COLUMNS = ['name', 'properties', 'session_id', 'occurred_at'];
const toRow = (e: EventBody, now: string): unknown[] => [
  e.name,
  e.properties ? JSON.stringify(e.properties) : null,
  e.session_id ?? null,
  e.occurred_at ? dateTimeText(e.occurred_at) : now,
];

const daysQuery = (extra: object = {}) => ({
  type: 'object',
  additionalProperties: false,
  properties: { days: { type: 'integer', minimum: 1, maximum: 3650, default: 30 }, ...extra },
});

function since(days: number): string {
  return nowText(new Date(Date.now() - days * 86_400_000));
}

async function countsByName(repo: TenantRepo, from: string, names?: string[], distinctSessions = false) {
  const count = distinctSessions ? sql`COUNT(DISTINCT ${ident('session_id')})` : sql`COUNT(*)`;
  return repo.select<{ name: string; n: unknown }>('analytics_event', {
    columns: ['name', sql`${count} AS ${ident('n')}`],
    where: names
      ? sql`${ident('occurred_at')} >= ${from} AND ${ident('name')} IN (${joinSql(
          names.map((n) => sql`${n}`),
          ', ',
        )})`
      : sql`${ident('occurred_at')} >= ${from}`,
    groupBy: ['name'],
  });
}

/** Analytics events: single and batch ingestion, a dashboard and a simple funnel. */
export async function analyticsRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: EventBody }>('/event', { schema: { body: eventSchema } }, async (req, reply) => {
    const repo = tenancyOf(req).repo;
    const now = nowText();
    const [name, properties, session_id, occurred_at] = toRow(req.body, now);
    const newId = await repo.insert('analytics_event', { name, properties, session_id, occurred_at });
    return reply.status(201).send({ success: true, data: { id: newId, name: req.body.name, occurred_at } });
  });

  app.post<{ Body: { events: EventBody[] } }>(
    '/batch',
    {
      // Validation covers every event before anything is written; the insert is one transaction: all or nothing.
      bodyLimit: 5 * 1024 * 1024,
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['events'],
          properties: { events: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: eventSchema } },
        },
      },
    },
    async (req, reply) => {
      const now = nowText();
      const rows = req.body.events.map((e) => toRow(e, now));
      // 4 columns + tenant_id per row: 100 rows stay far below every engine's bound-parameter limit.
      const inserted = await tenancyOf(req).repo.transaction(async (tx) => {
        let n = 0;
        for (let i = 0; i < rows.length; i += 100)
          n += await tx.insertMany('analytics_event', COLUMNS, rows.slice(i, i + 100));
        return n;
      });
      return reply.status(201).send({ success: true, data: { inserted } });
    },
  );

  app.get<{ Querystring: { days: number } }>('/dashboard', { schema: { querystring: daysQuery() } }, async (req) => {
    const repo = tenancyOf(req).repo;
    const from = since(req.query.days);
    const byName = await countsByName(repo, from);
    const [sessions] = await repo.select<{ n: unknown }>('analytics_event', {
      columns: [sql`COUNT(DISTINCT ${ident('session_id')}) AS ${ident('n')}`],
      where: sql`${ident('occurred_at')} >= ${from}`,
    });
    const events = byName.map((r) => ({ name: r.name, count: Number(r.n) })).sort((a, b) => b.count - a.count);
    return {
      success: true,
      data: {
        since: from,
        days: req.query.days,
        events_total: events.reduce((a, e) => a + e.count, 0),
        sessions: Number(sessions?.n ?? 0),
        events_by_name: events,
      },
    };
  });

  app.get<{ Querystring: { days: number; steps: string } }>(
    '/funnel',
    {
      schema: {
        querystring: daysQuery({
          steps: { type: 'string', minLength: 1, maxLength: 1000, default: 'page_view,signup,deal_created' },
        }),
      },
    },
    async (req) => {
      const steps = req.query.steps
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .slice(0, 20);
      const rows = await countsByName(tenancyOf(req).repo, since(req.query.days), steps, true);
      const counts = new Map(rows.map((r) => [r.name, Number(r.n)]));
      const first = counts.get(steps[0]!) ?? 0;
      // Sessions that reached each step (not necessarily in order): a cheap funnel that needs one grouped query.
      return {
        success: true,
        data: {
          days: req.query.days,
          steps: steps.map((name, i) => {
            const sessions = counts.get(name) ?? 0;
            const prev = i === 0 ? sessions : (counts.get(steps[i - 1]!) ?? 0);
            return {
              name,
              sessions,
              conversion_from_first: first ? sessions / first : null,
              conversion_from_previous: prev ? sessions / prev : null,
            };
          }),
        },
      };
    },
  );
}
