import type { FastifyInstance } from 'fastify';
import type { Row } from '../../db/index.ts';
import { HttpError, notFound } from '../http-error.ts';
import { presentRow } from '../present-row.ts';
import { raw, sql, ident } from '../sql.ts';
import type { TenantRepo } from '../tenant-repo.ts';
import { tenancyOf } from '../tenancy.ts';
import { listPage } from './list-page.ts';
import {
  date,
  dateTime,
  dateTimeText,
  id,
  idParams,
  nowText,
  nullableId,
  nullableText,
  pagination,
  paginationProps,
  text,
  type IdParams,
  type Page,
} from './route-schemas.ts';

const companyProps = {
  name: text(255, 1),
  industry: nullableText(64),
  website: nullableText(255),
  notes: { type: ['string', 'null'], maxLength: 65535 },
} as const;
const contactProps = {
  full_name: text(255, 1),
  email: { type: 'string', maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' },
  company_id: nullableId,
  phone: nullableText(32),
} as const;
const opportunityProps = {
  title: text(255, 1),
  value: { type: 'number', minimum: 0, maximum: 1e27 },
  contact_id: nullableId,
  probability: { type: 'integer', minimum: 0, maximum: 100 },
  expected_close: date,
  notes: { type: ['string', 'null'], maxLength: 65535 },
} as const;
const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'note', 'task'];

const body = (properties: object, required: readonly string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
  ...(required.length ? {} : { minProperties: 1 }),
});

type Body = Record<string, unknown>;

interface StageRow extends Row {
  machine_name: string;
  default_probability: number;
  is_won_stage: boolean;
  is_lost_stage: boolean;
}

/** A body reference to another tenant's row (or none) is a 404, exactly like an id in the path. */
async function requireRef(repo: TenantRepo, table: string, field: string, value: unknown): Promise<void> {
  if (value === null || value === undefined) return;
  if (!(await repo.exists(table, value as number))) throw new HttpError(404, `${field} ${String(value)} not found`);
}

async function stageNamed(repo: TenantRepo, name: string): Promise<StageRow> {
  const [row] = await repo.select<StageRow>('crm_pipeline_stage', { where: { machine_name: name }, limit: 1 });
  if (!row) throw new HttpError(400, `body.stage: unknown stage "${name}"; GET /api/v1/crm/pipeline-stages lists them`);
  return presentRow('crm_pipeline_stage', row) as StageRow;
}

async function getOr404(repo: TenantRepo, table: string, rowId: number, what: string): Promise<Row> {
  const row = await repo.get(table, rowId);
  if (!row) throw notFound(`${what} ${rowId}`);
  return presentRow(table, row);
}

interface EntityRoutes {
  path: string;
  table: string;
  noun: string;
  props: Record<string, unknown>;
  /** Body fields that reference another tenant table: a foreign id is a 404, like a foreign path id. */
  refs?: { table: string; field: string }[];
  /** Registers a plain POST `/<path>` with these required fields; omitted where creation has its own rules. */
  create?: { required: string[] };
  /** References to null out before a delete: the rows outlive this one, and declared FKs would refuse otherwise. */
  detach?: { table: string; column: string }[];
}

/** GET, PATCH and DELETE on `/<path>/:id` (and optionally POST `/<path>`), the same for every CRM entity. */
function entityRoutes(
  app: FastifyInstance,
  repoOf: (r: Parameters<typeof tenancyOf>[0]) => TenantRepo,
  e: EntityRoutes,
): void {
  if (e.create) {
    app.post<{ Body: Body }>(
      `/${e.path}`,
      { schema: { body: body(e.props, e.create.required) } },
      async (req, reply) => {
        const repo = repoOf(req);
        for (const r of e.refs ?? []) await requireRef(repo, r.table, r.field, req.body[r.field]);
        const now = nowText();
        const newId = await repo.insert(e.table, { ...req.body, created: now, changed: now });
        return reply.status(201).send({ success: true, data: await getOr404(repo, e.table, newId, e.noun) });
      },
    );
  }
  app.get<{ Params: IdParams }>(`/${e.path}/:id`, { schema: { params: idParams } }, async (req) => ({
    success: true,
    data: await getOr404(repoOf(req), e.table, req.params.id, e.noun),
  }));
  app.patch<{ Params: IdParams; Body: Body }>(
    `/${e.path}/:id`,
    { schema: { params: idParams, body: body(e.props) } },
    async (req) => {
      const repo = repoOf(req);
      await getOr404(repo, e.table, req.params.id, e.noun);
      for (const r of e.refs ?? []) await requireRef(repo, r.table, r.field, req.body[r.field]);
      await repo.update(e.table, req.params.id, { ...req.body, changed: nowText() });
      return { success: true, data: await getOr404(repo, e.table, req.params.id, e.noun) };
    },
  );
  app.delete<{ Params: IdParams }>(`/${e.path}/:id`, { schema: { params: idParams } }, async (req) => {
    const rowId = req.params.id;
    await repoOf(req).transaction(async (tx) => {
      await getOr404(tx, e.table, rowId, e.noun);
      for (const d of e.detach ?? []) await tx.updateWhere(d.table, { [d.column]: rowId }, { [d.column]: null });
      await tx.delete(e.table, rowId);
    });
    return { success: true, data: { id: rowId, deleted: true } };
  });
}

/** Moves an opportunity to a stage: probability follows the stage, and won/lost stages close it. */
async function moveToStage(repo: TenantRepo, oppId: number, stage: StageRow): Promise<Row> {
  return repo.transaction(async (tx) => {
    await getOr404(tx, 'crm_opportunity', oppId, 'opportunity');
    const closed = stage.is_won_stage || stage.is_lost_stage;
    const now = nowText();
    await tx.update('crm_opportunity', oppId, {
      stage: stage.machine_name,
      probability: stage.default_probability,
      status: stage.is_won_stage ? 'won' : stage.is_lost_stage ? 'lost' : 'open',
      closed_at: closed ? now : null,
      changed: now,
    });
    return getOr404(tx, 'crm_opportunity', oppId, 'opportunity');
  });
}

async function closeAs(repo: TenantRepo, oppId: number, outcome: 'won' | 'lost'): Promise<Row> {
  const [stage] = await repo.select<StageRow>('crm_pipeline_stage', {
    where: { [outcome === 'won' ? 'is_won_stage' : 'is_lost_stage']: true },
    orderBy: [['position', 'ASC']],
    limit: 1,
  });
  if (stage) return moveToStage(repo, oppId, presentRow('crm_pipeline_stage', stage) as StageRow);
  // A tenant without a won/lost stage still gets its deal closed.
  await getOr404(repo, 'crm_opportunity', oppId, 'opportunity');
  const now = nowText();
  await repo.update('crm_opportunity', oppId, {
    status: outcome,
    probability: outcome === 'won' ? 100 : 0,
    closed_at: now,
    changed: now,
  });
  return getOr404(repo, 'crm_opportunity', oppId, 'opportunity');
}

const BANT = ['budget', 'authority', 'need', 'timeline'] as const;
const BANT_ACTIONS: Record<(typeof BANT)[number], string> = {
  budget: 'Confirm the budget with the buyer',
  authority: 'Identify and meet the decision maker',
  need: 'Document the business need and its impact',
  timeline: 'Agree on a decision timeline',
};
const STAGE_ACTIONS: Record<string, string> = {
  prospecting: 'Book a discovery call',
  qualification: 'Complete the BANT qualification',
  proposal: 'Send the proposal and schedule a review meeting',
  negotiation: 'Resolve the open objections and agree on terms',
};

/** The next best action: closed deals first, then missing BANT items while qualifying, then the stage's playbook. */
export function playbookFor(opp: Row): Row {
  const missing = BANT.filter((b) => !opp[`bant_${b}`]);
  const score = Number(opp.bant_score ?? 0);
  let next: string;
  let reason: string;
  if (opp.status === 'won') {
    next = 'Hand over to onboarding and ask for a referral';
    reason = 'the opportunity is won';
  } else if (opp.status === 'lost') {
    next = 'Schedule a win-back check in 90 days';
    reason = 'the opportunity is lost';
  } else if (score < 50 && missing.length) {
    next = BANT_ACTIONS[missing[0]!];
    reason = `BANT score ${score} is below 50`;
  } else {
    next = STAGE_ACTIONS[String(opp.stage)] ?? 'Review the opportunity and plan the next step';
    reason = `stage ${String(opp.stage)} with BANT score ${score}`;
  }
  return {
    opportunity_id: opp.id,
    stage: opp.stage,
    status: opp.status,
    bant_score: score,
    missing_bant: missing,
    next_action: next,
    reason,
  };
}

/** CRM: companies, contacts, opportunities (with pipeline actions), forecast and activities. */
export async function crmRoutes(app: FastifyInstance): Promise<void> {
  const repoOf = (r: Parameters<typeof tenancyOf>[0]) => tenancyOf(r).repo;

  // ---- companies
  app.get<{ Querystring: Page }>('/companies', { schema: { querystring: pagination } }, (req) =>
    listPage(repoOf(req), 'crm_company', req.query),
  );
  entityRoutes(app, repoOf, {
    path: 'companies',
    table: 'crm_company',
    noun: 'company',
    props: companyProps,
    create: { required: ['name'] },
    detach: [{ table: 'crm_contact', column: 'company_id' }],
  });

  // ---- contacts
  app.get<{ Querystring: Page & { company_id?: number } }>(
    '/contacts',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...paginationProps, company_id: id },
        },
      },
    },
    (req) => listPage(repoOf(req), 'crm_contact', req.query, { company_id: req.query.company_id }),
  );
  entityRoutes(app, repoOf, {
    path: 'contacts',
    table: 'crm_contact',
    noun: 'contact',
    props: contactProps,
    create: { required: ['full_name', 'email'] },
    refs: [{ table: 'crm_company', field: 'company_id' }],
    detach: [
      { table: 'crm_opportunity', column: 'contact_id' },
      { table: 'crm_activity', column: 'contact_id' },
    ],
  });

  // ---- opportunities
  app.get<{ Querystring: Page & { stage?: string; status?: string } }>(
    '/opportunities',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...paginationProps,
            stage: text(64, 1),
            status: { type: 'string', enum: ['open', 'won', 'lost'] },
          },
        },
      },
    },
    (req) => listPage(repoOf(req), 'crm_opportunity', req.query, { stage: req.query.stage, status: req.query.status }),
  );
  app.post<{ Body: Body & { stage?: string } }>(
    '/opportunities',
    { schema: { body: body({ ...opportunityProps, stage: text(64, 1) }, ['title', 'value']) } },
    async (req, reply) => {
      const repo = repoOf(req);
      const { stage: stageName, ...rest } = req.body;
      await requireRef(repo, 'crm_contact', 'contact_id', rest.contact_id);
      let stage: StageRow | undefined;
      if (stageName) stage = await stageNamed(repo, stageName);
      else {
        const [first] = await repo.select<StageRow>('crm_pipeline_stage', { orderBy: [['position', 'ASC']], limit: 1 });
        stage = first ? (presentRow('crm_pipeline_stage', first) as StageRow) : undefined;
      }
      const now = nowText();
      const newId = await repo.insert('crm_opportunity', {
        ...rest,
        stage: stage?.machine_name ?? 'prospecting',
        probability: rest.probability ?? stage?.default_probability ?? 0,
        status: stage?.is_won_stage ? 'won' : stage?.is_lost_stage ? 'lost' : 'open',
        bant_budget: false,
        bant_authority: false,
        bant_need: false,
        bant_timeline: false,
        bant_score: 0,
        created: now,
        changed: now,
      });
      return reply
        .status(201)
        .send({ success: true, data: await getOr404(repo, 'crm_opportunity', newId, 'opportunity') });
    },
  );
  // Activities are the history of the contact too, so they stay, detached from a deleted deal.
  entityRoutes(app, repoOf, {
    path: 'opportunities',
    table: 'crm_opportunity',
    noun: 'opportunity',
    props: opportunityProps,
    refs: [{ table: 'crm_contact', field: 'contact_id' }],
    detach: [{ table: 'crm_activity', column: 'opportunity_id' }],
  });
  const stageBody = body({ stage: text(64, 1) }, ['stage']);
  app.post<{ Params: IdParams; Body: { stage: string } }>(
    '/opportunities/:id/stage',
    { schema: { params: idParams, body: stageBody } },
    async (req) => {
      const repo = repoOf(req);
      await getOr404(repo, 'crm_opportunity', req.params.id, 'opportunity');
      return { success: true, data: await moveToStage(repo, req.params.id, await stageNamed(repo, req.body.stage)) };
    },
  );
  app.post<{ Params: IdParams }>('/opportunities/:id/won', { schema: { params: idParams } }, async (req) => ({
    success: true,
    data: await closeAs(repoOf(req), req.params.id, 'won'),
  }));
  app.post<{ Params: IdParams }>('/opportunities/:id/lost', { schema: { params: idParams } }, async (req) => ({
    success: true,
    data: await closeAs(repoOf(req), req.params.id, 'lost'),
  }));
  app.get<{ Params: IdParams }>('/opportunities/:id/playbook', { schema: { params: idParams } }, async (req) => ({
    success: true,
    data: playbookFor(await getOr404(repoOf(req), 'crm_opportunity', req.params.id, 'opportunity')),
  }));
  app.patch<{ Params: IdParams; Body: Partial<Record<(typeof BANT)[number], boolean>> }>(
    '/opportunities/:id/bant',
    { schema: { params: idParams, body: body(Object.fromEntries(BANT.map((b) => [b, { type: 'boolean' }]))) } },
    async (req) => {
      const repo = repoOf(req);
      return {
        success: true,
        data: await repo.transaction(async (tx) => {
          const opp = await getOr404(tx, 'crm_opportunity', req.params.id, 'opportunity');
          const next = Object.fromEntries(BANT.map((b) => [`bant_${b}`, req.body[b] ?? Boolean(opp[`bant_${b}`])]));
          const score = Object.values(next).filter(Boolean).length * 25;
          await tx.update('crm_opportunity', req.params.id, { ...next, bant_score: score, changed: nowText() });
          return getOr404(tx, 'crm_opportunity', req.params.id, 'opportunity');
        }),
      };
    },
  );

  // ---- pipeline
  app.get('/pipeline-stages', async (req) => ({
    success: true,
    data: (await repoOf(req).select('crm_pipeline_stage', { orderBy: [['position', 'ASC']] })).map((r) =>
      presentRow('crm_pipeline_stage', r),
    ),
  }));
  app.post<{ Body: { opportunity_id: number; stage: string } }>(
    '/pipeline/move',
    { schema: { body: body({ opportunity_id: id, stage: text(64, 1) }, ['opportunity_id', 'stage']) } },
    async (req) => {
      const repo = repoOf(req);
      await requireRef(repo, 'crm_opportunity', 'opportunity_id', req.body.opportunity_id);
      return {
        success: true,
        data: await moveToStage(repo, req.body.opportunity_id, await stageNamed(repo, req.body.stage)),
      };
    },
  );
  app.get('/forecast', async (req) => {
    const rows = await repoOf(req).select<{
      stage: string;
      expected_close: string | null;
      n: number;
      total: unknown;
      weighted: unknown;
    }>('crm_opportunity', {
      columns: [
        'stage',
        'expected_close',
        sql`COUNT(*) AS ${ident('n')}`,
        sql`SUM(${ident('value')}) AS ${ident('total')}`,
        sql`SUM(${ident('value')} * ${ident('probability')}) ${raw('/ 100')} AS ${ident('weighted')}`,
      ],
      where: { status: 'open' },
      groupBy: ['stage', 'expected_close'],
    });
    // Months are folded here rather than in SQL, which has no portable month-format function.
    const byStage = new Map<string, { stage: string; count: number; value: number; weighted: number }>();
    const byMonth = new Map<string, { month: string | null; count: number; value: number; weighted: number }>();
    let total = 0;
    for (const r of rows) {
      const value = Number(r.total);
      const weighted = Number(r.weighted);
      const count = Number(r.n);
      total += weighted;
      const month = r.expected_close ? String(r.expected_close).slice(0, 7) : null;
      const s = byStage.get(r.stage) ?? { stage: r.stage, count: 0, value: 0, weighted: 0 };
      const m = byMonth.get(String(month)) ?? { month, count: 0, value: 0, weighted: 0 };
      for (const x of [s, m]) {
        x.count += count;
        x.value += value;
        x.weighted += weighted;
      }
      byStage.set(r.stage, s);
      byMonth.set(String(month), m);
    }
    const round = <T extends { value: number; weighted: number }>(x: T): T => ({
      ...x,
      value: round2(x.value),
      weighted: round2(x.weighted),
    });
    return {
      success: true,
      data: {
        weighted_total: round2(total),
        by_stage: [...byStage.values()].map(round),
        by_month: [...byMonth.values()].sort((a, b) => String(a.month).localeCompare(String(b.month))).map(round),
      },
    };
  });

  // ---- activities
  app.get<{ Querystring: Page & { contact_id?: number; opportunity_id?: number; type?: string } }>(
    '/activities',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...paginationProps,
            contact_id: id,
            opportunity_id: id,
            type: { type: 'string', enum: ACTIVITY_TYPES },
          },
        },
      },
    },
    (req) =>
      listPage(repoOf(req), 'crm_activity', req.query, {
        contact_id: req.query.contact_id,
        opportunity_id: req.query.opportunity_id,
        type: req.query.type,
      }),
  );
  app.post<{ Body: Body & { occurred_at?: string } }>(
    '/activities',
    {
      schema: {
        body: body(
          {
            subject: text(255, 1),
            type: { type: 'string', enum: ACTIVITY_TYPES },
            contact_id: nullableId,
            opportunity_id: nullableId,
            body: { type: ['string', 'null'], maxLength: 65535 },
            occurred_at: dateTime,
          },
          ['subject', 'type'],
        ),
      },
    },
    async (req, reply) => {
      const repo = repoOf(req);
      await requireRef(repo, 'crm_contact', 'contact_id', req.body.contact_id);
      await requireRef(repo, 'crm_opportunity', 'opportunity_id', req.body.opportunity_id);
      const now = nowText();
      const newId = await repo.insert('crm_activity', {
        ...req.body,
        occurred_at: req.body.occurred_at ? dateTimeText(req.body.occurred_at) : now,
        created: now,
      });
      return reply.status(201).send({ success: true, data: await getOr404(repo, 'crm_activity', newId, 'activity') });
    },
  );
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
