/** Abstract column types the platform schema is written in; each dialect renders them. */
export type ColumnType =
  | { kind: 'id' } // BIGINT auto-increment primary key
  | { kind: 'bigint' }
  | { kind: 'int' }
  | { kind: 'smallint' }
  | { kind: 'bool' }
  | { kind: 'varchar'; length: number }
  | { kind: 'text' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'datetime' } // fractional seconds (6)
  | { kind: 'date' }
  | { kind: 'json' }
  | { kind: 'blob' }
  | { kind: 'double' };

/** The SQL differences the engine-neutral code may rely on. No caller ever tests the dialect's name. */
export interface SqlDialect {
  readonly name: 'mysql' | 'postgres';
  quoteIdent(name: string): string;
  /** Placeholder for the i-th (1-based) bound parameter. */
  param(i: number): string;
  columnType(t: ColumnType): string;
  /** DDL suffix for table creation (engine, charset). */
  readonly tableOptions: string;
  /** CREATE INDEX IF NOT EXISTS is supported by both; kept here for engines that differ. */
  createIndex(table: string, name: string, columns: readonly string[], unique: boolean): string;
  /** An INSERT that returns the new row's id. */
  insertReturningId(table: string, columns: readonly string[]): string;
  /** `FOR UPDATE SKIP LOCKED` works on MariaDB ≥ 10.6 and PostgreSQL; kept as a capability. */
  readonly skipLocked: string;
  /** Current timestamp with microseconds, as an SQL expression. */
  readonly now: string;
  addForeignKey(table: string, name: string, column: string, refTable: string, refColumn: string): string;
  /**
   * Statement that moves a sequence past MAX(column) after explicit ids were inserted, never backwards: the named
   * `sequence` (a default's), else the column's own serial/identity; null if the engine does it itself.
   */
  syncSequenceSql(table: string, column: string, sequence?: string | null): { sql: string; params: unknown[] } | null;
  /** Seconds added to now(), as an SQL expression with one bound parameter. */
  nowPlusSeconds(paramIndex: number): string;
}

export function quoteWith(q: string, name: string): string {
  return q + name.split(q).join(q + q) + q;
}
