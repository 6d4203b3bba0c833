import mysql from 'mysql2/promise';
import type { Pool, PoolConnection, TypeCastField } from 'mysql2/promise';
import type { ConnectOptions, Db, DbSession, ExecResult, PoolStats, Row, TransactionOptions } from '../db.ts';
import type { DbTarget } from '../db-target.ts';
import { mysqlDialect } from './mysql-dialect.ts';
import { wrapDbError, wrapDbErrors } from '../wrap-db-error.ts';
import { runTransaction } from '../run-transaction.ts';
import { loadDataLocal } from './load-data-local.ts';
import { mysqlReplicaStatus } from './mysql-replica-status.ts';
import { mysqlSnapshotSessions } from './mysql-snapshot-sessions.ts';
import { streamRowArrays, type RawRowConnection } from './stream-row-arrays.ts';

interface RawConnection {
  query(o: { sql: string; values: unknown[] }): { stream(o: { highWaterMark: number }): AsyncIterable<unknown> };
}

type MysqlTarget = Extract<DbTarget, { engine: 'mysql' }>;

// In text mode every value comes back as the server's own text (or bytes), so DECIMAL, BIGINT, DOUBLE, YEAR 0000
// and DATETIME(6) survive a round trip exactly. mysql2 would otherwise turn numbers into JS numbers (YEAR 0000
// becomes 0, which MariaDB reads back as 2000) and GEOMETRY into objects. JSON is kept as text by jsonStrings:
// MariaDB sends it as LONGTEXT flagged json in its extended metadata, which mysql2 would parse.
const TEXT_TYPES = new Set([
  'FLOAT',
  'DOUBLE',
  'NEWDECIMAL',
  'DECIMAL',
  'LONGLONG',
  'TINY',
  'SHORT',
  'LONG',
  'INT24',
  'YEAR',
  'JSON',
]);
const BYTE_TYPES = new Set(['BIT', 'GEOMETRY']);

function textTypeCast(field: TypeCastField, next: () => unknown): unknown {
  if (BYTE_TYPES.has(field.type)) return field.buffer();
  if (TEXT_TYPES.has(field.type)) return field.string('utf8');
  return next();
}

/**
 * Session settings of a text-mode connection (backup, restore, verify): values are read and written in UTC, so
 * equal TIMESTAMP instants compare equal across servers in different time zones; sql_mode is fixed so the server's
 * own mode cannot change what a restore writes: NO_AUTO_VALUE_ON_ZERO keeps id 0 in an AUTO_INCREMENT column, and
 * no strict mode lets the values MariaDB itself stored (ENUM '', zero dates) go back in. Whatever non-strict mode
 * would silently adjust is caught by the verification before COMMIT. The character set is set again, as the
 * handshake asked: a server's `init_connect` runs after the handshake for every login without SUPER, and the common
 * `init_connect='SET NAMES utf8'` made it utf8mb3, in which every 4-byte character (emoji) was read as '?': backups
 * held '?', and a restore wrote it and passed its own verification (until 2026-12-08).
 * autocommit and sql_safe_updates are set for the same reason (until 2026-12-08 they were not): with
 * `init_connect='SET autocommit=0'` (the MySQL manual's own example) or a global autocommit = 0, the first read
 * opened a transaction that never ended, and every backup and restore failed at its SET TRANSACTION ISOLATION LEVEL
 * ("Transaction characteristics can't be changed while a transaction is in progress"); with sql_safe_updates = 1
 * an UPDATE by a composite key, `WHERE (entity_id, delta) IN ((?, ?))`, was refused as one "without a WHERE that
 * uses a KEY column" (every Drupal field table).
 * innodb_lock_wait_timeout = 30: a restore's locking reads wait for a transaction that holds a row of the tenant
 * (an application session idle in a transaction after SELECT … FOR UPDATE) as long as PostgreSQL's restore waits
 * for its table locks, then fail as TENANTOPS_E_LOCKED (wrapDbError), not after the server's 50 s default.
 */
const TEXT_SESSION =
  "SET NAMES utf8mb4 COLLATE utf8mb4_bin, time_zone = '+00:00', sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', autocommit = 1, sql_safe_updates = 0, innodb_lock_wait_timeout = 30";

function typedTypeCast(field: TypeCastField, next: () => unknown): unknown {
  if (field.type === 'LONGLONG') {
    const s = field.string();
    if (s === null) return null;
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : s;
  }
  if (field.type === 'TINY' && field.length === 1) {
    const s = field.string();
    return s === null ? null : s === '1';
  }
  return next();
}

export async function connectMysql(target: MysqlTarget, options: ConnectOptions): Promise<Db> {
  const pool: Pool = mysql.createPool({
    // A host that is a path is the server's Unix socket (?socket= in the URL).
    ...(target.host.startsWith('/') ? { socketPath: target.host } : { host: target.host, port: target.port }),
    user: target.user,
    password: target.password,
    database: target.database,
    connectionLimit: options.poolMax ?? 10,
    charset: 'utf8mb4_bin',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
    timezone: 'Z',
    jsonStrings: options.values === 'text',
    // Prepared statements (text mode writes) are cached per connection; keep well under the server's
    // max_prepared_stmt_count, which all clients share.
    maxPreparedStatements: 64,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    typeCast: options.values === 'text' ? textTypeCast : typedTypeCast,
  });
  const textMode = options.values === 'text';
  const prepared = new WeakSet<PoolConnection>();
  let inUse = 0;
  let waiting = 0;
  const max = options.poolMax ?? 10;

  async function acquire(): Promise<PoolConnection> {
    waiting++;
    try {
      const c = await pool.getConnection();
      inUse++;
      if (textMode && !prepared.has(c)) {
        try {
          await c.query(TEXT_SESSION);
        } catch (e) {
          release(c);
          throw e;
        }
        prepared.add(c);
      }
      return c;
    } catch (e) {
      throw wrapDbError(e, target, 'connect');
    } finally {
      waiting--;
    }
  }
  function release(c: PoolConnection): void {
    inUse--;
    c.release();
  }

  const makeSession = (c: PoolConnection): DbSession => ({
    async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []) {
      try {
        const [rows] = await c.query({ sql, values: params as unknown[] });
        return rows as R[];
      } catch (e) {
        throw wrapDbError(e, target, 'query');
      }
    },
    async execute(sql: string, params: readonly unknown[] = []): Promise<ExecResult> {
      try {
        // Text mode binds values through the binary protocol: mysql2's client-side interpolation would send a
        // Buffer as a hex literal, twice its size, and a 9 MB value would no longer fit max_allowed_packet.
        const [res] =
          textMode && params.length
            ? await c.execute({ sql, values: params as unknown[] })
            : await c.query({ sql, values: params as unknown[] });
        const r = res as { affectedRows?: number; insertId?: number };
        return { affectedRows: r.affectedRows ?? 0, insertId: r.insertId || null };
      } catch (e) {
        throw wrapDbError(e, target, 'query');
      }
    },
    async *stream(sql: string, params: readonly unknown[], batchSize: number): AsyncIterable<Row[]> {
      // The callback API's row stream applies back-pressure, so a table of any size passes in bounded memory.
      // PoolConnection.connection is the callback-API connection underneath the promise wrapper.
      const raw = (c as unknown as { connection: RawConnection }).connection;
      const rs = raw.query({ sql, values: params as unknown[] }).stream({ highWaterMark: batchSize });
      let batch: Row[] = [];
      try {
        for await (const row of rs) {
          batch.push(row as Row);
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      } catch (e) {
        throw wrapDbError(e, target, 'query');
      }
      if (batch.length) yield batch;
    },
    // Only in text mode: the same typeCast gives the same values as `stream`, as arrays.
    ...(textMode
      ? {
          streamValues: (sql: string, params: readonly unknown[], batchSize: number) =>
            wrapDbErrors(
              streamRowArrays((c as unknown as { connection: RawRowConnection }).connection, sql, params, batchSize),
              target,
            ),
        }
      : {}),
    async copyRows(table, columns, rows) {
      try {
        return await loadDataLocal(c, table, columns, rows);
      } catch (e) {
        throw wrapDbError(e, target, 'query');
      }
    },
  });

  // A failed first query ends the pool: a caller that retries (the replica probe, every second) must not pile them up.
  const versionRows = await withConn((s) => s.query<{ v: string }>('SELECT VERSION() AS v')).catch(async (e) => {
    await pool.end().catch(() => undefined);
    throw e;
  });

  async function withConn<T>(fn: (s: DbSession) => Promise<T>): Promise<T> {
    const c = await acquire();
    try {
      return await fn(makeSession(c));
    } finally {
      release(c);
    }
  }

  const db: Db = {
    target,
    dialect: mysqlDialect,
    serverVersion: versionRows[0]!.v,
    query: (sql, params) => withConn((s) => s.query(sql, params)),
    execute: (sql, params) => withConn((s) => s.execute(sql, params)),
    session: withConn,
    transaction<T>(fn: (s: DbSession) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
      const begin = opts.snapshot
        ? ['SET TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY']
        : opts.locking
          ? ['SET TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'START TRANSACTION']
          : ['START TRANSACTION'];
      return withConn((s) => runTransaction(s, target, begin, fn));
    },
    snapshotSessions: (n, fn) => mysqlSnapshotSessions(withConn, (f, o) => db.transaction(f, o), max - inUse, n, fn),
    replicaStatus: () => replicaStatus(),
    poolStats(): PoolStats {
      return { inUse, idle: Math.max(0, poolSize(pool) - inUse), waiting, max };
    },
    close: () => pool.end(),
  };
  const replicaStatus = mysqlReplicaStatus(db);
  return db;
}

function poolSize(pool: Pool): number {
  // mysql2 exposes no public count of open connections; read the internal list, falling back to 0.
  const inner = (pool as unknown as { pool?: { _allConnections?: { length: number } } }).pool;
  return inner?._allConnections?.length ?? 0;
}
