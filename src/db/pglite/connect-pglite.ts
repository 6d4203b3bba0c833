import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TenantopsError } from '../../errors/index.ts';
import { PGlite, types } from '@electric-sql/pglite';
import type { ConnectOptions, Db, DbSession, ExecResult, PoolStats, Row, TransactionOptions } from '../db.ts';
import type { DbTarget } from '../db-target.ts';
import { postgresDialect } from '../postgres/postgres-dialect.ts';
import { beginStatement, cursorStream, nextCursorName, TEXT_SESSION_SETTINGS } from '../postgres/connect-postgres.ts';
import { wrapDbError } from '../wrap-db-error.ts';
import { copyFromBlob } from './copy-from-blob.ts';
import { parseInt8 } from '../int8.ts';

type PgliteTarget = Extract<DbTarget, { engine: 'pglite' }>;
type Parser = (v: string) => unknown;

// PGlite merges per-query parsers over its defaults key by key, so "everything as text" needs a key per known OID.
const TEXT_PARSERS: Record<number, Parser> = {};
for (const oid of Object.values(types)) if (typeof oid === 'number') TEXT_PARSERS[oid] = (v) => v;
const TYPED_PARSERS: Record<number, Parser> = {
  [types.INT8]: parseInt8,
  [types.DATE]: (v) => v,
  [types.TIMESTAMP]: (v) => v,
  [types.TIMESTAMPTZ]: (v) => v,
};
// Text mode hands bytea back as '\x…' text; accept that text again on the way in.
const SERIALIZERS = {
  [types.BYTEA]: (v: unknown) => (typeof v === 'string' ? v : '\\x' + Buffer.from(v as Uint8Array).toString('hex')),
};

/** One PGlite instance per data directory per process: it is single-connection and locks its directory. */
const instances = new Map<string, { pg: PGlite; refs: number }>();

async function open(dataDir: string | null): Promise<{ pg: PGlite; release: () => Promise<void> }> {
  const key = dataDir ?? `memory:${Math.random()}`;
  let entry = instances.get(key);
  if (!entry) {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const pg = new PGlite({ dataDir: dataDir ?? undefined, serializers: SERIALIZERS });
    await pg.waitReady;
    entry = { pg, refs: 0 };
    instances.set(key, entry);
  }
  entry.refs++;
  const e = entry;
  return {
    pg: e.pg,
    async release() {
      if (--e.refs === 0) {
        instances.delete(key);
        await e.pg.close();
      }
    },
  };
}

type PgliteLike = Pick<PGlite, 'query'>;

export async function connectPglite(target: PgliteTarget, options: ConnectOptions): Promise<Db> {
  // Every PGlite (PostgreSQL) data directory has PG_VERSION; PGlite would make a new database where there is none.
  if (options.mustExist && target.dataDir && !existsSync(join(target.dataDir, 'PG_VERSION')))
    throw new TenantopsError(
      'TENANTOPS_E_DB_CONNECT',
      `no database at ${target.redacted} (${target.dataDir}): check the path; db migrate or db seed creates one`,
    );
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(target.dataDir);
  } catch (e) {
    throw wrapDbError(e, target, 'connect');
  }
  let parsers = options.values === 'text' ? TEXT_PARSERS : TYPED_PARSERS;
  if (options.values === 'text') {
    // PGlite parses arrays (int[], text[]…) into JS arrays through parsers it registers per instance, under the
    // array types' OIDs; text mode names every type the database has, so those come back as the server's text too.
    const all = await handle.pg.query<{ oid: number }>('SELECT oid::int AS oid FROM pg_type');
    parsers = { ...TEXT_PARSERS };
    for (const { oid } of all.rows) parsers[oid] = (v) => v;
  }
  // PGlite is one session per data directory, shared by every handle in the process; the text-mode settings are
  // neutral for typed readers (ISO dates, UTC, exact floats), so setting them here is safe for both.
  if (options.values === 'text')
    for (const [k, v] of Object.entries(TEXT_SESSION_SETTINGS)) await handle.pg.query(`SET ${k} = '${v}'`);
  let active = 0;
  let queued = 0;

  const sessionOn = (q: PgliteLike): DbSession => {
    const session: DbSession = {
      async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []) {
        queued++;
        try {
          const r = await q.query<R>(sql, params as unknown[], { parsers });
          return r.rows;
        } catch (e) {
          throw wrapDbError(e, target, 'query');
        } finally {
          queued--;
        }
      },
      async execute(sql: string, params: readonly unknown[] = []): Promise<ExecResult> {
        queued++;
        try {
          const r = await q.query<{ id?: number | string }>(sql, params as unknown[], { parsers });
          return { affectedRows: r.affectedRows ?? 0, insertId: r.rows[0]?.id ?? null };
        } catch (e) {
          throw wrapDbError(e, target, 'query');
        } finally {
          queued--;
        }
      },
      stream: (sql, params, batchSize) => cursorStream(session, sql, params, batchSize, nextCursorName()),
      async copyRows(table, columns, rows) {
        queued++;
        try {
          return await copyFromBlob(q, table, columns, rows);
        } catch (e) {
          throw wrapDbError(e, target, 'query');
        } finally {
          queued--;
        }
      },
    };
    return session;
  };
  const direct = sessionOn(handle.pg);

  return {
    target,
    dialect: postgresDialect,
    serverVersion: `PGlite ${(await direct.query<{ v: string }>("SELECT current_setting('server_version') AS v"))[0]!.v}`,
    query: (sql, params) => direct.query(sql, params),
    execute: (sql, params) => direct.execute(sql, params),
    session: (fn) => fn(direct),
    async transaction<T>(fn: (s: DbSession) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
      // PGlite's own transaction() holds its exclusive lock, so no other caller's statement can interleave.
      active++;
      try {
        return await handle.pg.transaction(async (tx) => {
          const s = sessionOn(tx);
          if (opts.snapshot || opts.locking) await s.execute(beginStatement(opts).replace(/^BEGIN/, 'SET TRANSACTION'));
          return fn(s);
        });
      } finally {
        active--;
      }
    },
    poolStats(): PoolStats {
      const inUse = active > 0 || queued > 0 ? 1 : 0;
      return { inUse, idle: 1 - inUse, waiting: Math.max(0, queued - 1), max: 1 };
    },
    close: () => handle.release(),
  };
}
