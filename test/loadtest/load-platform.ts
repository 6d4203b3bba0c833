import { connectDb, type Db } from '../../src/db/index.ts';
import { buildApp } from '../../src/platform/app.ts';
import type { PlatformFaults } from '../../src/platform/faults.ts';
import { migrate } from '../../src/platform/schema/migrate.ts';
import { createTenant, type CreatedTenant } from '../../src/platform/tenants/create-tenant.ts';
import { createTempDatabase, type TestEngine } from '../helpers/test-databases.ts';

export const ADMIN_TOKEN = 'loadtest-admin-token';

export interface LoadPlatform {
  url: string;
  db: Db;
  /** Tenants created before the app started (so that faults can name their ids). */
  tenants: CreatedTenant[];
  close(): Promise<void>;
}

export interface LoadPlatformOptions {
  engine?: TestEngine;
  /** Tenants to create up front; the scripts get their keys through TENANT_KEYS. */
  tenants?: number;
  /** TEST-ONLY faults, computed from the tenants created up front. */
  faults?: (tenants: CreatedTenant[]) => PlatformFaults;
}

/**
 * The reference platform in this process, listening on a free loopback port, on a fresh database (an embedded
 * PGlite in a temp dir by default). The load runner is a child process, so it does not share this event loop.
 */
export async function startLoadPlatform({
  engine = 'pglite',
  tenants = 0,
  faults = () => ({}),
}: LoadPlatformOptions = {}): Promise<LoadPlatform> {
  const temp = await createTempDatabase(engine);
  const db = await connectDb(temp.url, { values: 'typed', poolMax: 5 });
  try {
    await migrate(db);
    const created: CreatedTenant[] = [];
    for (let i = 1; i <= tenants; i++) created.push(await createTenant(db, { name: `loadtest t${i}`, agents: 2 }));
    const app = await buildApp({
      db,
      adminToken: ADMIN_TOKEN,
      defaultMetrics: false,
      queue: { workers: 2, latencyMs: 20, pollMs: 50 },
      faults: faults(created),
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      url,
      db,
      tenants: created,
      async close() {
        await app.close();
        await db.close();
        await temp.drop();
      },
    };
  } catch (e) {
    await db.close().catch(() => undefined);
    await temp.drop();
    throw e;
  }
}
