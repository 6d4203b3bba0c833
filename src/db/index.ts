export type {
  Db,
  DbSession,
  BulkValue,
  Queryable,
  Row,
  ExecResult,
  PoolStats,
  ValueMode,
  ConnectOptions,
  TransactionOptions,
} from './db.ts';
export type { DbTarget, Engine } from './db-target.ts';
export type { ReplicaStatus } from './replica-status.ts';
export { DEFAULT_DB_URL, isLocalTarget } from './db-target.ts';
export type { SqlDialect, ColumnType } from './sql-dialect.ts';
export { parseDbUrl, redactUrl } from './parse-db-url.ts';
export { connectDb } from './connect-db.ts';
export { canReplicate } from './can-replicate.ts';
export { connectionLoss, driverCode } from './wrap-db-error.ts';
export { batchInsert } from './batch-insert.ts';
