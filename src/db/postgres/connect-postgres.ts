import pg from 'pg';
import type { ConnectOptions, Db, DbSession, ExecResult, PoolStats, Row, TransactionOptions } from '../db.ts';
import type { DbTarget } from '../db-target.ts';
import { postgresDialect } from './postgres-dialect.ts';
import { wrapDbError, wrapDbErrors } from '../wrap-db-error.ts';
import { parseInt8 } from '../int8.ts';
import { runTransaction } from '../run-transaction.ts';
import { copyFromStdin } from './copy-from-stdin.ts';
import { copyOutLines, copyOutValues, type ParamTypeCache } from './copy-out-values.ts';
import { postgresReplicaStatus } from './postgres-replica-status.ts';
import { postgresSnapshotSessions } from './postgres-snapshot-sessions.ts';

type PgTarget = Extract<DbTarget, { engine: 'postgres' }>;

const TEXT = (v: string) => v;
// Timestamps stay text in both modes: pg's Date keeps milliseconds and silently drops microseconds.
const TYPED_OVERRIDES: Record<number, (v: string) => unknown> = {
  20: parseInt8,
  1082: TEXT,
  1114: TEXT,
  1184: TEXT,
};

function typeParsers(mode: 'typed' | 'text'): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (mode === 'text') return TEXT;
      return TYPED_OVERRIDES[oid] ?? pg.types.getTypeParser(oid, format as 'text');
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/**
 * Session settings of a text-mode connection (backup, restore, verify), shared with PGlite: values are written and
 * read as the same text on any server, whatever its configuration. UTC makes equal timestamptz instants equal text;
 * extra_float_digits 3 gives float4/float8 their exact shortest text on every version.
 */
export const TEXT_SESSION_SETTINGS: Record<string, string> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  // XML is parsed by the session's xmloption: under a server or database default of `document`, a fragment the
  // application stored ('a<b/>', text alone) failed to restore ("invalid XML document"). Content takes documents too.
  xmloption: 'content',
  // A role subject to row-level security would read only the rows its policies show: a backup missing rows
  // without a word. Off, such a query fails instead (as pg_dump does).
  row_security: 'off',
};

/** Shared by the server and PGlite: the statements that open and close a transaction. */
export function beginStatement(opts: TransactionOptions): string {
  if (opts.snapshot) return 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
  return opts.locking ? 'BEGIN ISOLATION LEVEL READ COMMITTED' : 'BEGIN';
}

/** A server-side cursor keeps memory bounded; it must run inside a transaction, which callers provide. */
export async function* cursorStream(
  s: { query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> },
  sql: string,
  params: readonly unknown[],
  batchSize: number,
  name: string,
): AsyncIterable<Row[]> {
  await s.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
  const fetch = () => s.query(`FETCH ${batchSize} FROM ${name}`);
  // One batch is fetched ahead while the caller works on the last: the server and the caller's row processing
  // overlap instead of taking turns (a backup's reads were half idle). The connection queues the statements.
  let next: Promise<Row[]> | null = fetch();
  try {
    for (;;) {
      const rows: Row[] = await next!;
      next = null;
      if (rows.length === 0) break;
      if (rows.length === batchSize) next = fetch();
      yield rows;
      if (rows.length < batchSize) break;
    }
  } finally {
    // A caller that stops early leaves a fetch in flight: it settles before the cursor closes.
    if (next) await (next as Promise<Row[]>).catch(() => undefined);
    await s.query(`CLOSE ${name}`).catch(() => undefined);
  }
}

/**
 * The statement that makes a REPEATABLE READ transaction read an exported snapshot. It takes no bind parameter,
 * so the id (which the server made, e.g. `00000003-0000001B-1`) is checked for its shape before it is quoted.
 */
export function setSnapshotStatement(id: string): string {
  if (!/^[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+$/.test(id)) throw new Error(`not a PostgreSQL snapshot id: ${id.slice(0, 40)}`);
  return `SET TRANSACTION SNAPSHOT '${id}'`;
}

let cursorSeq = 0;
export function nextCursorName(): string {
  return `tenantops_cur_${++cursorSeq}`;
}

export async function connectPostgres(target: PgTarget, options: ConnectOptions): Promise<Db> {
  const max = options.poolMax ?? 10;
  const pool = new pg.Pool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    max,
    types: typeParsers(options.values ?? 'typed'),
    // search_path selects ?schema=; identifiers are never qualified elsewhere. Quoted, as a schema named with
    // capitals (?schema=TenantApp) would otherwise be folded to lower case, a schema that is not there.
    options: [
      `-c search_path="${target.schema}"`,
      ...(options.values === 'text' ? Object.entries(TEXT_SESSION_SETTINGS).map(([k, v]) => `-c ${k}=${v}`) : []),
    ].join(' '),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
  });
  pool.on('error', () => undefined); // an idle client's error must not crash the process; the next query reports it

  const paramTypes: ParamTypeCache = new Map();
  const makeSession = (c: pg.PoolClient): DbSession => {
    const session: DbSession = {
      async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []) {
        try {
          return (await c.query(sql, params as unknown[])).rows as R[];
        } catch (e) {
          throw wrapDbError(e, target, 'query');
        }
      },
      async execute(sql: string, params: readonly unknown[] = []): Promise<ExecResult> {
        try {
          const r = await c.query(sql, params as unknown[]);
          const first = r.rows[0] as { id?: number | string } | undefined;
          return { affectedRows: r.rowCount ?? 0, insertId: first?.id ?? null };
        } catch (e) {
          throw wrapDbError(e, target, 'query');
        }
      },
      stream: (sql, params, batchSize) => cursorStream(session, sql, params, batchSize, nextCursorName()),
      // Only in text mode: COPY gives every value as text, which is what a text-mode session returns anyway.
      ...(options.values === 'text'
        ? {
            streamValues: (sql: string, params: readonly unknown[], batchSize: number) =>
              wrapDbErrors(copyOutValues(c, sql, params, batchSize, paramTypes), target),
            streamLines: (sql: string, params: readonly unknown[], batchSize: number) =>
              wrapDbErrors(copyOutLines(c, sql, params, batchSize, paramTypes), target),
          }
        : {}),
      async copyRows(table, columns, rows) {
        try {
          return await copyFromStdin(c, table, columns, rows);
        } catch (e) {
          throw wrapDbError(e, target, 'query');
        }
      },
    };
    return session;
  };

  async function withConn<T>(fn: (s: DbSession) => Promise<T>): Promise<T> {
    let c: pg.PoolClient;
    try {
      c = await pool.connect();
    } catch (e) {
      throw wrapDbError(e, target, 'connect');
    }
    let broken = false;
    // pg-pool listens for errors only on idle clients: a server that dies (or a connection reset) while this one is
    // checked out would emit 'error' with no listener and crash the process. The query in flight still rejects.
    const onError = (): void => void (broken = true);
    c.on('error', onError);
    try {
      return await fn(makeSession(c));
    } catch (e) {
      broken ||= (e as { cause?: { code?: string } }).cause?.code === '57P01';
      throw e;
    } finally {
      c.removeListener('error', onError);
      c.release(broken);
    }
  }

  // A failed first query ends the pool: a caller that retries (the replica probe, every second) must not pile them up.
  const v = await withConn((s) => s.query<{ v: string }>("SELECT current_setting('server_version') AS v")).catch(
    async (e: unknown) => {
      await pool.end().catch(() => undefined);
      throw e;
    },
  );
  const replicaStatus = postgresReplicaStatus({
    query: (sql, params) => withConn((s) => s.query(sql, params)),
    execute: (sql, params) => withConn((s) => s.execute(sql, params)),
  });
  const db: Db = {
    target,
    dialect: postgresDialect,
    serverVersion: v[0]!.v,
    query: (sql, params) => withConn((s) => s.query(sql, params)),
    execute: (sql, params) => withConn((s) => s.execute(sql, params)),
    session: withConn,
    transaction<T>(fn: (s: DbSession) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
      const begin = [beginStatement(opts), ...(opts.snapshotId ? [setSnapshotStatement(opts.snapshotId)] : [])];
      return withConn((s) => runTransaction(s, target, begin, fn));
    },
    // The exporting transaction stays open until fn ends: an exported snapshot can be imported only while it is.
    sharedSnapshot: (fn) =>
      withConn((s) =>
        runTransaction(s, target, [beginStatement({ snapshot: true })], async (tx) => {
          const r = await tx.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
          return fn(r[0]!.id);
        }),
      ),
    snapshotSessions: (n, fn, opts = {}) =>
      postgresSnapshotSessions(
        (f, o) => db.transaction(f, o),
        max - (pool.totalCount - pool.idleCount),
        n,
        fn,
        opts.snapshotId,
      ),
    replicaStatus,
    poolStats(): PoolStats {
      return { inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount, max };
    },
    close: () => pool.end(),
  };
  return db;
}
