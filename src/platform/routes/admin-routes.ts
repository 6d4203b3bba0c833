import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError, notFound } from '../http-error.ts';
import type { PlatformContext } from '../platform-context.ts';
import { ident, sql } from '../sql.ts';
import { bearer } from '../tenancy.ts';
import { createApiKey } from '../tenants/create-api-key.ts';
import { createTenant } from '../tenants/create-tenant.ts';
import { deleteTenant } from '../tenants/delete-tenant.ts';
import { idParams, pagination, text, type IdParams, type Page } from './route-schemas.ts';

/** Constant-time comparison of fixed-length digests, so the token cannot be guessed byte by byte. */
function sameToken(given: string, expected: string): boolean {
  const h = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

/** Operator routes, behind the admin token. Tenant ids here are the groups.id of the tenant. */
export async function adminRoutes(app: FastifyInstance, { ctx }: { ctx: PlatformContext }): Promise<void> {
  const { db } = ctx;
  app.addHook('onRequest', async (req) => {
    if (!ctx.adminToken)
      throw new HttpError(403, 'admin API disabled: start the server with TENANTOPS_ADMIN_TOKEN set');
    const token = bearer(req);
    if (!token || !sameToken(token, ctx.adminToken)) {
      throw new HttpError(401, 'missing or invalid admin token', { 'www-authenticate': 'Bearer' });
    }
  });

  app.post<{ Body: { name: string; plan?: string; domain?: string | null; agents?: number } }>(
    '/tenants',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: text(255, 1),
            plan: text(32, 1),
            domain: { type: ['string', 'null'], maxLength: 255 },
            agents: { type: 'integer', minimum: 1, maximum: 20 },
          },
        },
      },
    },
    async (req, reply) => reply.status(201).send({ success: true, data: await createTenant(db, req.body) }),
  );

  app.get<{ Querystring: Page }>('/tenants', { schema: { querystring: pagination } }, async (req) => {
    const { page, limit } = req.query;
    const g = (c: string) => sql`${ident('g')}.${ident(c)}`;
    const f = (c: string) => sql`${ident('f')}.${ident(c)}`;
    const t = (c: string) => sql`${ident('t')}.${ident(c)}`;
    const stmt = sql`SELECT ${g('id')} AS ${ident('id')}, ${f('label')} AS ${ident('name')}, ${t('plan')} AS ${ident('plan')},
        ${t('status')} AS ${ident('status')}, ${t('domain')} AS ${ident('domain')}, ${f('created')} AS ${ident('created')}
      FROM ${ident('groups')} ${ident('g')}
      LEFT JOIN ${ident('groups_field_data')} ${ident('f')} ON ${f('id')} = ${g('id')} AND ${f('default_langcode')} = ${true}
      LEFT JOIN ${ident('tenant_field_data')} ${ident('t')} ON ${t('group_id')} = ${g('id')}
      WHERE ${g('type')} = ${'tenant'} ORDER BY ${g('id')} LIMIT ${limit + 1} OFFSET ${(page - 1) * limit}`;
    const { text: q, params } = stmt.render(db.dialect);
    const rows = await db.query(q, params);
    return {
      success: true,
      data: rows.slice(0, limit).map((r) => ({ ...r, id: Number(r.id) })),
      meta: { page, limit, has_more: rows.length > limit },
    };
  });

  app.delete<{ Params: IdParams }>('/tenants/:id', { schema: { params: idParams } }, async (req) => {
    const deleted = await deleteTenant(db, req.params.id);
    if (deleted === null) throw notFound(`tenant ${req.params.id}`);
    ctx.keys.forgetTenant(req.params.id);
    ctx.sessions.forget(req.params.id);
    return { success: true, data: { id: req.params.id, deleted: true, rows_deleted: deleted } };
  });

  app.post<{ Params: IdParams; Body: { label?: string } | undefined }>(
    '/tenants/:id/keys',
    {
      schema: {
        params: idParams,
        body: { type: ['object', 'null'], additionalProperties: false, properties: { label: text(128, 1) } },
      },
    },
    async (req, reply) => {
      const d = db.dialect;
      const q = d.quoteIdent;
      const found = await db.query(
        `SELECT ${q('id')} FROM ${q('groups')} WHERE ${q('id')} = ${d.param(1)} AND ${q('type')} = ${d.param(2)}`,
        [req.params.id, 'tenant'],
      );
      if (found.length === 0) throw notFound(`tenant ${req.params.id}`);
      const key = await createApiKey(db, d, req.params.id, req.body?.label ?? 'api');
      return reply.status(201).send({
        success: true,
        data: { id: key.id, tenant_id: key.tenantId, api_key: key.apiKey, key_prefix: key.keyPrefix, label: key.label },
      });
    },
  );
}
