import type { DbSession, Queryable } from '../../db/index.ts';
import type { CanonicalValue } from '../archive/canonical-row.ts';
import type { DigestKind } from '../digest-kind.ts';
import type { ColumnInfo, SchemaInfo, TableInfo, UniqueIndexInfo } from '../schema-info.ts';

/** A condition over a table's rows that holds where a row would collide with one of the given rows. */
export interface CollisionProbe {
  /** The colliding key, as columns `k1`, `k2`… to report. */
  select: string;
  /** The condition; its placeholders are numbered from the `first` passed in. */
  match: string;
  params: unknown[];
}

/**
 * What backup and restore need from an engine. One implementation per engine folder; the core never asks which
 * engine it is talking to.
 */
export interface BackupDialect {
  quote(name: string): string;
  param(i: number): string;
  /** The FROM target for reading a table's own rows: PostgreSQL needs ONLY to leave out inheritance children. */
  from(table: string): string;
  /** The FROM target for a table of another schema (PostgreSQL) or database (MariaDB), as `from` reads it. */
  fromOther(schema: string, table: string): string;
  /**
   * The FROM clause joining `keys` (a derived table of distinct parent keys, to be aliased `alias`) to `info`'s rows
   * on `on` (`columns` of `info` = the keys), read from the keys first whatever the optimizer's statistics; `info`
   * is referenced by its quoted name. Absent, or null for a table, where the engine would not gain by it (no index
   * to look the rows up by on PostgreSQL): scopedSource then keeps the predicate `columns IN (SELECT … FROM parent
   * WHERE tenant)`.
   */
  parentFirst?(keys: string, alias: string, info: TableInfo, columns: readonly string[], on: string): string | null;
  introspect(q: Queryable): Promise<SchemaInfo>;
  /**
   * The SQL that reads a column's stored value exactly, as text or bytes (MariaDB FLOAT through DOUBLE, since its
   * text protocol keeps 6 digits). Backup, compare and verification all read through it.
   */
  readExpr(c: ColumnInfo): string;
  /**
   * The sort key for a column, so that the server's order is the order `compareText` gives in JavaScript: numbers
   * numerically, everything else by its bytes (a binary collation). `row` is true when sorting whole rows of a
   * table without a key, where types without a btree order (json, point) must sort too.
   */
  orderExpr(c: ColumnInfo, row: boolean): string;
  /**
   * `col = <placeholder>` compared the way the tenant id must be: exactly, whatever the column's collation. With
   * `textId` (the tenant key is text), an integer column matches only the id that is its own text: '01' or 'abc'
   * compared as numbers would find tenant 1's or 0's rows.
   */
  equalsExactly(qualified: string, c: ColumnInfo, placeholder: string, textId?: boolean): string;
  /**
   * A tenant key's value as the text that names the tenant (what `--tenant` takes and equalsExactly matches);
   * absent where the column's own text is that already (PostgreSQL writes bytea as `\x` and hex).
   */
  idText?(c: ColumnInfo): string;
  /**
   * A bound canonical value as it must be written to compare with a column by its index (keysIn), where the
   * engine would otherwise compare it as something else; absent, or the placeholder itself, where it compares as is.
   */
  keyValue?(c: ColumnInfo, placeholder: string): string;
  /** A key column as keysIn compares it with bound values; absent, or the quoted name, where it compares as is. */
  keyColumn?(c: ColumnInfo): string;
  /**
   * A bound value as one branch of `CASE … END` that sets column `c` (updateRows), where the engine types a
   * parameter by the expression around it rather than by the column it is assigned to (PostgreSQL would take a
   * CASE of parameters as text); absent where a CASE's value is assigned as the plain parameter would be.
   */
  setValue?(c: ColumnInfo, placeholder: string): string;
  /**
   * `(a, b) IN (…)` over a composite key, for a list of placeholder tuples, in the form the engine runs with its
   * index (PostgreSQL scans for a long row-value IN list, but joins a VALUES list).
   */
  tupleIn(columns: readonly ColumnInfo[], tuples: readonly (readonly string[])[]): string;
  /** NULL-safe, exact match of a column's stored value with a bound canonical value (rows without a key). */
  matchExactly(c: ColumnInfo, placeholder: string): string;
  /** Deletes one row matching `where` (duplicates of a table without a key are removed one by one). */
  deleteOne(table: string, where: string): string;
  /**
   * How to find rows that collide with these rows on one unique index, compared the way the server enforces it
   * (its collation, its expressions, its partial-index predicate); null when it cannot be asked before writing
   * (the index reads a column the archive does not carry).
   */
  collisionProbe(
    info: TableInfo,
    ix: UniqueIndexInfo,
    columns: readonly string[],
    rows: readonly (readonly CanonicalValue[])[],
    first: number,
  ): CollisionProbe | null;
  /** The INSERT head for explicit values of these columns (PostgreSQL identities need OVERRIDING SYSTEM VALUE). */
  insertHead(t: TableInfo, columns: readonly string[]): string;
  /** Appended to the restore's reads of the tenant's rows: MariaDB locks them (and the gaps) against writers. */
  readonly lockingRead: string;
  /**
   * Whether, during the restore's writes, foreign keys act at each statement: a NOT DEFERRABLE one is checked
   * there, and every ON DELETE action (CASCADE, SET NULL, SET DEFAULT) runs there, changing the referencing rows.
   * PostgreSQL's do (referential actions are never deferred); MariaDB's restore runs with foreign_key_checks = 0,
   * which stops both.
   */
  readonly foreignKeysAtStatement: boolean;
  /** Serialises the restore against writers of the tenant before anything is read. Inside the transaction. */
  lockTables(s: DbSession, tables: readonly string[]): Promise<void>;
  /**
   * Let a restore write rows whose references are satisfied only at the end (FK cycles). Inside the transaction;
   * the returned function undoes any session-level setting before the connection goes back to the pool.
   */
  relaxConstraints(s: DbSession): Promise<() => Promise<void>>;
  /**
   * Runs now every check and trigger the transaction has deferred to COMMIT (PostgreSQL's DEFERRABLE constraint
   * triggers: left for COMMIT, one that changes the restored rows would do so after verification). Called after
   * the apply and checkForeignKeys (a missing reference gets that check's own error), before verification. Not
   * part of relaxConstraints' undo, which also runs after a failed statement, where PostgreSQL's aborted
   * transaction would refuse it and hide the real error.
   */
  fireDeferred(s: DbSession): Promise<void>;
  /**
   * What an archive cannot hold of a column's data, said to the operator at backup and restore (column-gaps.ts);
   * null for a column whose values are all there. PostgreSQL's `oid` points at a large object kept outside the
   * table: only the number travels.
   */
  columnGap?(c: ColumnInfo): string | null;
  /**
   * Whether, once constraints are relaxed, a row of `info` may be deleted and inserted again (same key, same
   * values) with every row that references it left as it was: no FK action (CASCADE, SET NULL) runs and no FK is
   * checked while the row is away.
   */
  reinsertKeepsReferences(info: TableInfo, schema: SchemaInfo): boolean;
  /** Skip the user triggers of this session where the role may (PostgreSQL superuser); false where it cannot. */
  skipTriggers(s: DbSession): Promise<boolean>;
  /** Move identity sequences and sequence objects past the restored ids; never backwards. Inside the transaction. */
  advanceSequences(s: DbSession, tables: readonly TableInfo[]): Promise<void>;
  /**
   * Binds a value too large to travel in one statement within the server's packet limit: returns the SQL to use
   * in its place after staging it in pieces, or null when it can be bound as it is. `force`: staged whatever its
   * size, where the engine stages at all (a row whose values together would not fit one statement).
   */
  stageLargeValue(s: DbSession, value: unknown, slot: number, force?: boolean): Promise<string | null>;
  /**
   * The most a restore's statement binds on this session, in bytes (multi-row INSERTs, grouped UPDATEs, a row's
   * values not staged): within the server's packet limit where it has one.
   */
  statementBytes(s: DbSession): Promise<number>;
  /**
   * The row hashes this engine computes (DigestKind): the first is what new digests are taken with, the others
   * are kept to compare with archives that recorded them.
   */
  readonly digestKinds: readonly DigestKind[];
  /**
   * The SQL for one row's hash of `kind` (default: the first of digestKinds) as 32 lowercase hex digits, over the
   * exact text of these columns, NULL kept apart from every string. A backup reads it beside each row and sums it
   * up as digestQuery does on the server (DigestAccumulator).
   */
  rowHash(info: TableInfo, columns: readonly string[], kind?: DigestKind): string;
  /**
   * One query, run by the server, that sums up a set of rows with rowHash of `kind`: `n` (the count), `s` (the
   * sum of each hash's first 15 hex digits) and `x` (the XOR of its next 16, as a 64-bit number). Equal results on
   * the same server mean the same rows, so a restore skips tables the archive says are unchanged and checks the
   * whole tenant without reading it. `from` and `where` pick the rows; `lock` adds the locking read.
   */
  digestQuery(
    info: TableInfo,
    columns: readonly string[],
    from: string,
    where: string,
    lock: boolean,
    kind?: DigestKind,
  ): string;
  /**
   * SQL that builds a row's canonical line on the server (the JSON text `canonicalRow` makes of the values the
   * driver returns for `exprs` in a text-mode session), byte for byte; absent where the engine cannot match it.
   * A backup's bulk reads then ship finished lines instead of values to encode one by one on the client.
   */
  canonicalLine?(exprs: readonly string[]): string;
  /** Approximate average row size in bytes, from the engine's statistics (for `tenants`). */
  avgRowBytes(q: Queryable, table: string): Promise<number>;
}
