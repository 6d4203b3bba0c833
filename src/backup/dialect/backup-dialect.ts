import type { DbSession, Queryable } from '../../db/index.ts';
import type { SchemaInfo, TableInfo } from '../schema-info.ts';

/**
 * What backup and restore need from an engine. One implementation per engine folder; the core never asks which
 * engine it is talking to.
 */
export interface BackupDialect {
  quote(name: string): string;
  param(i: number): string;
  /**
   * True when `DELETE … WHERE col IN (SELECT …)` scans the whole table (MariaDB before 11.1 has no semi-join for
   * single-table DELETE); the restore then selects the keys first and deletes by primary key.
   */
  readonly deleteByKeys: boolean;
  /** The FROM target for reading a table's own rows: PostgreSQL needs ONLY to leave out inheritance children. */
  from(table: string): string;
  introspect(q: Queryable): Promise<SchemaInfo>;
  /**
   * Let a restore write rows whose references are satisfied only at the end (FK cycles). Inside the transaction;
   * the returned function undoes any session-level setting before the connection goes back to the pool.
   */
  relaxConstraints(s: DbSession, tables: readonly TableInfo[]): Promise<() => Promise<void>>;
  /** Move identity sequences past the restored ids; never backwards. Inside the transaction. */
  advanceSequences(s: DbSession, tables: readonly TableInfo[]): Promise<void>;
  /** Approximate average row size in bytes, from the engine's statistics (for `tenants`). */
  avgRowBytes(q: Queryable, table: string): Promise<number>;
}
