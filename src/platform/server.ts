import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { connectDb, DEFAULT_DB_URL, parseDbUrl, type Db } from '../db/index.ts';
import { buildApp, type AppOptions } from './app.ts';
import { ReplicaMonitor } from './replica-monitor.ts';
import { migrate } from './schema/migrate.ts';
import { seedDatabase } from './seed/seed-database.ts';
import { ident, sql } from './sql.ts';

export interface ServerOptions extends Omit<AppOptions, 'db' | 'replica'> {
  /** Database URL; without one, the embedded PGlite database, migrated and seeded when empty. */
  dbUrl?: string;
  /** A read replica of that database (same engine); tenant GET routes read from it while it is healthy. */
  dbReplicaUrl?: string;
  /** A replica further behind than this, or whose lag is unknown, is not read from (default 5 s). */
  replicaMaxLagSeconds?: number;
  port?: number;
  host?: string;
  poolMax?: number;
  /** How long to wait for the database to accept a connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Tenants to seed into an empty embedded database. */
  seedTenants?: number;
  /** Progress and notices (the CLI sends them to stderr). */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  db: Db;
  replica: ReplicaMonitor | null;
  /** Tenants seeded at start (embedded database only), with their API keys. */
  seeded: { id: number; apiKey: string }[];
  /** Graceful: stop accepting, finish in-flight requests, drain the workers' jobs, close the pool. */
  close(): Promise<void>;
}

async function tenantCount(db: Db): Promise<number> {
  const { text, params } =
    sql`SELECT COUNT(*) AS ${ident('n')} FROM ${ident('groups')} WHERE ${ident('type')} = ${'tenant'}`.render(
      db.dialect,
    );
  return Number((await db.query<{ n: unknown }>(text, params))[0]?.n ?? 0);
}

/** The one place that binds a port. */
export async function startServer({
  dbUrl,
  dbReplicaUrl,
  replicaMaxLagSeconds = 5,
  port = 8080,
  host = '127.0.0.1',
  poolMax = 10,
  connectTimeoutMs,
  seedTenants = 3,
  log = () => undefined,
  ...appOptions
}: ServerOptions): Promise<RunningServer> {
  const embedded = dbUrl === undefined;
  // A replica no engine could serve is refused before anything connects.
  if (dbReplicaUrl) ReplicaMonitor.check(dbReplicaUrl, parseDbUrl(dbUrl ?? DEFAULT_DB_URL));
  const db = await connectDb(dbUrl ?? DEFAULT_DB_URL, { values: 'typed', poolMax, connectTimeoutMs });
  let app: FastifyInstance | undefined;
  let replica: ReplicaMonitor | null = null;
  try {
    if (dbReplicaUrl) {
      // Never migrated or seeded: a replica receives the primary's schema and rows through replication.
      replica = await ReplicaMonitor.open(dbReplicaUrl, db, {
        maxLagSeconds: replicaMaxLagSeconds,
        connect: { poolMax, connectTimeoutMs },
        log,
      });
    }
    // Idempotent (a ledger of applied versions), so serving an existing database is safe.
    await migrate(db);
    const seeded: { id: number; apiKey: string }[] = [];
    if (embedded && (await tenantCount(db)) === 0) {
      log(`seeding ${db.target.redacted} with ${seedTenants} tenants…`);
      // A random seed: the printed keys must not be the same guessable keys on every developer's machine.
      const seed = randomInt(1, 2 ** 31);
      const r = await seedDatabase(db, { tenants: seedTenants, rows: 200, skew: 'uniform', seed });
      seeded.push(...r.tenants);
      // Shown once, on first start of a local dev database: only hashes are stored, so this is the only chance.
      for (const t of r.tenants) log(`tenant ${t.id} API key: ${t.apiKey}`);
    }
    app = await buildApp({ db, replica, ...appOptions });
    const url = await app.listen({ port, host });
    const running = app;
    const runningReplica = replica;
    let closing: Promise<void> | undefined;
    return {
      url,
      app,
      db,
      replica,
      seeded,
      close() {
        closing ??= (async () => {
          await running.close();
          await runningReplica?.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await replica?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw e;
  }
}
