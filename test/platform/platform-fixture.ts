import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { connectDb, type Db } from '../../src/db/index.ts';
import { buildApp, type AppOptions } from '../../src/platform/app.ts';
import { migrate } from '../../src/platform/schema/migrate.ts';
import { createTempDatabase, type TempDatabase, type TestEngine } from '../helpers/test-databases.ts';

export const ADMIN_TOKEN = 'test-admin-token';

export interface TestTenant {
  id: number;
  key: string;
  agents: { id: number; name: string }[];
  headers: Record<string, string>;
}

export interface Platform {
  app: FastifyInstance;
  db: Db;
  call(
    method: InjectOptions['method'],
    url: string,
    tenant: TestTenant | null,
    payload?: unknown,
  ): Promise<LightMyRequestResponse>;
  tenant(name: string): Promise<TestTenant>;
  /** Rows of `table` owned by the tenant, ordered by id: to assert on data, not on status codes alone. */
  rows(table: string, tenantId: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A fresh database on `engine`, migrated with declared foreign keys (the strictest case), and an app on it. */
export async function startPlatform(engine: TestEngine, options: Partial<AppOptions> = {}): Promise<Platform> {
  // PGlite in memory: the same engine, without initialising a data directory on disk for every suite.
  const temp: TempDatabase =
    engine === 'pglite'
      ? { engine, url: 'pglite://memory', drop: async () => undefined }
      : await createTempDatabase(engine);
  const db = await connectDb(temp.url, { values: 'typed', poolMax: 5 });
  await migrate(db, { foreignKeys: true });
  const app = await buildApp({
    db,
    adminToken: ADMIN_TOKEN,
    defaultMetrics: false,
    queue: { workers: 0, latencyMs: 10, pollMs: 25 },
    ...options,
  });
  await app.ready();
  const call: Platform['call'] = (method, url, tenant, payload) =>
    app.inject({
      method,
      url,
      headers: tenant ? tenant.headers : { authorization: `Bearer ${ADMIN_TOKEN}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  return {
    app,
    db,
    call,
    async tenant(name) {
      const r = await call('POST', '/api/v1/admin/tenants', null, { name });
      if (r.statusCode !== 201) throw new Error(`tenant creation failed: ${r.statusCode} ${r.body}`);
      const d = r.json().data as { id: number; api_key: string; agents: { id: number; name: string }[] };
      return { id: d.id, key: d.api_key, agents: d.agents, headers: { authorization: `Bearer ${d.api_key}` } };
    },
    async rows(table, tenantId) {
      const q = db.dialect.quoteIdent;
      return db.query(
        `SELECT * FROM ${q(table)} WHERE ${q('tenant_id')} = ${db.dialect.param(1)} ORDER BY ${q('id')}`,
        [tenantId],
      );
    },
    async close() {
      await app.close();
      await db.close();
      await temp.drop();
    },
  };
}

/** Polls until fn returns a truthy value or the timeout passes. */
export async function waitFor<T>(fn: () => Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Value of one sample line in a Prometheus text exposition, or undefined if the series is absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
