import type { DbTarget } from './db-target.ts';
import type { ReplicaStatus } from './replica-status.ts';
import type { SqlDialect } from './sql-dialect.ts';

export type Row = Record<string, unknown>;

export interface ExecResult {
  affectedRows: number;
  insertId: number | string | null;
}

export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** For statements that change rows. `insertId` is set for MySQL inserts and for PostgreSQL `RETURNING id`. */
  execute(sql: string, params?: readonly unknown[]): Promise<ExecResult>;
}

/** A value as a text-mode session binds it: the server's text, bytes, or NULL. */
export type BulkValue = string | Buffer | null;

/** One dedicated connection. `stream` keeps memory bounded for tables of any size. */
export interface DbSession extends Queryable {
  stream(sql: string, params: readonly unknown[], batchSize: number): AsyncIterable<Row[]>;
  /**
   * Present on a text-mode session where the engine ships a query's rows in bulk faster than row by row
   * (PostgreSQL: COPY (…) TO STDOUT; MariaDB: rows as arrays): the rows of `sql` as arrays of its select list's
   * values, in order, each the same text, bytes or null `stream` gives, in batches of at least `batchSize` rows but the last. Inside a
   * transaction. Nothing else may run on the session until the iteration ends (a query sent meanwhile waits for
   * it), so it suits a reader that only reads, such as a backup.
   */
  streamValues?(sql: string, params: readonly unknown[], batchSize: number): AsyncIterable<BulkValue[][]>;
  /**
   * Alongside `streamValues`: the rows of `sql`, whose select list is all text and whose first column is never
   * NULL, as raw UTF-8 — per batch, the first column of every row, each followed by a newline, in one Buffer, and
   * the other columns as strings. For a reader that passes lines on as they are (NDJSON built by the server).
   */
  streamLines?(
    sql: string,
    params: readonly unknown[],
    batchSize: number,
  ): AsyncIterable<{ rows: number; lines: Buffer; rest: (string | null)[][] }>;
  /**
   * Writes rows into a table's columns through the engine's bulk protocol, inside the session's transaction:
   * PostgreSQL COPY FROM STDIN, PGlite COPY from its /dev/blob device (in pieces of bounded size), MariaDB LOAD
   * DATA LOCAL INFILE from a stream. Each value goes in as `execute` would bind it, so what the server stores is
   * the same. Resolves to the number of rows the server reports written, or to null, before any row is read,
   * where this connection cannot load (MariaDB with local_infile OFF): the caller then uses INSERT.
   * A duplicate key rejects as `execute` would (driver code ER_DUP_ENTRY or 23505).
   */
  copyRows(
    table: string,
    columns: readonly string[],
    rows: AsyncIterable<readonly BulkValue[]>,
  ): Promise<number | null>;
}

export interface TransactionOptions {
  /** Consistent snapshot for readers: MariaDB WITH CONSISTENT SNAPSHOT, PostgreSQL REPEATABLE READ READ ONLY. */
  snapshot?: boolean;
  /**
   * With `snapshot`: read from this snapshot, exported by `Db.sharedSnapshot` on another connection, instead of
   * taking a new one. Only engines that have `sharedSnapshot` accept it.
   */
  snapshotId?: string;
  /**
   * A read-write transaction whose locks keep other writers out until it ends (a restore): at the isolation that
   * makes them do so whatever the server's default. MariaDB REPEATABLE READ, where locking reads also hold the gaps
   * between rows (READ COMMITTED takes none, so another writer could insert rows into the range read); PostgreSQL
   * READ COMMITTED, where each statement after LOCK TABLE sees every commit before the lock (REPEATABLE READ would
   * keep the snapshot of the first query, taken before the lock was granted).
   */
  locking?: boolean;
}

export interface PoolStats {
  inUse: number;
  idle: number;
  waiting: number;
  max: number;
}

/**
 * How values come back.
 * - 'typed': numbers, booleans and parsed JSON where the driver can do it exactly (the API uses this).
 * - 'text': every value as the server's text (or a Buffer for binary), so nothing loses precision (backup uses this).
 */
export type ValueMode = 'typed' | 'text';

export interface ConnectOptions {
  values?: ValueMode;
  poolMax?: number;
  /** How long to wait for the server to accept a connection (default 5 s). */
  connectTimeoutMs?: number;
  /**
   * An embedded database (pglite://dir) that is not there is an error, not a new empty one: for commands that read
   * a tenant's data, where a typo in the path otherwise surfaced as 'tenant table "groups" does not exist'.
   */
  mustExist?: boolean;
}

export interface Db extends Queryable {
  readonly target: DbTarget;
  readonly dialect: SqlDialect;
  readonly serverVersion: string;
  session<T>(fn: (s: DbSession) => Promise<T>): Promise<T>;
  transaction<T>(fn: (s: DbSession) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Present where transactions on different connections can read one snapshot (PostgreSQL
   * `pg_export_snapshot()` / `SET TRANSACTION SNAPSHOT`): holds a read-only REPEATABLE READ transaction open on
   * one connection while `fn` runs, and gives `fn` its id for `transaction(…, { snapshot: true, snapshotId })`.
   * Absent on MariaDB (InnoDB cannot hand a snapshot to another connection) and PGlite (one connection).
   */
  sharedSnapshot?<T>(fn: (snapshotId: string) => Promise<T>): Promise<T>;
  /**
   * Present where several connections can read one snapshot: runs `fn` with up to `n` read-only snapshot
   * transactions on as many pooled connections, all at one point in time (with `snapshotId`, that exported
   * snapshot), so a reader can split its work between them. PostgreSQL exports the first one's snapshot to the
   * others. MariaDB opens them while `BACKUP STAGE BLOCK_COMMIT` holds commits back for a moment, which needs the
   * RELOAD privilege; without it (or on a server without BACKUP STAGE) `fn` gets one session, never sessions at
   * different points. The pool must have room for `n` connections (MariaDB: `n + 1`).
   */
  snapshotSessions?<T>(
    n: number,
    fn: (sessions: DbSession[]) => Promise<T>,
    options?: Pick<TransactionOptions, 'snapshotId'>,
  ): Promise<T>;
  /**
   * Present where the engine can replicate (MariaDB/MySQL, PostgreSQL): asks the server whether it is a replica
   * and how far behind it is. Absent on PGlite, which has no replication.
   */
  replicaStatus?(): Promise<ReplicaStatus>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}
