/** What introspection tells about one table; engine-neutral. */
export interface ColumnInfo {
  name: string;
  /** The engine's full type, e.g. `decimal(32,4)` or `timestamp(6) without time zone`. */
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  /** Generated columns are neither dumped nor inserted. */
  generated: boolean;
  /**
   * A generated column's expression over the table's unqualified column names (PostgreSQL `GENERATED ALWAYS AS
   * (…) STORED`, MariaDB VIRTUAL/PERSISTENT), so a collision probe can compute it from archive rows, which do not
   * carry it.
   */
  generationExpr?: string;
  /** MariaDB `ON UPDATE CURRENT_TIMESTAMP`: set explicitly on every update, or the server rewrites it. */
  onUpdate?: boolean;
  /** PostgreSQL `GENERATED ALWAYS AS IDENTITY`: an explicit value needs `OVERRIDING SYSTEM VALUE`. */
  identityAlways?: boolean;
  /** A sequence that feeds this column's default (PostgreSQL nextval, MariaDB SEQUENCE objects); moved on restore. */
  sequence?: string | null;
  /** Compares and sorts as a number (integer, decimal, float) rather than as text or bytes. */
  numeric?: boolean;
  /** The collation of a text column (null for numbers, dates, bytes): its order is not the bytes' order. */
  collation?: string | null;
  /** MariaDB: the column's character set, to compare its bytes with a bound value's. */
  charset?: string | null;
  /** False when `=` can hold for different values ('abc' = 'ABC ', citext): tenant ids are then compared exactly. */
  exactEquality?: boolean;
  /**
   * PostgreSQL: a composite type, or a domain over one. An untyped parameter compared with it is typed as an
   * anonymous record, which the server cannot read ("input of anonymous composite types is not implemented").
   */
  composite?: boolean;
  /** PostgreSQL: a domain over an enum, the enum's type, which its values are compared as (see keyColumn). */
  enumBase?: string;
}

export interface ForeignKeyInfo {
  columns: string[];
  refTable: string;
  refColumns: string[];
  deferrable: boolean;
  /** Referential actions: a CASCADE or SET NULL reaches rows the restore did not plan to touch. */
  onDelete?: string;
  onUpdate?: string;
}

/**
 * A foreign key from a table in another schema (PostgreSQL) or database (MariaDB) into this table. Backup never
 * reads that table; a restore only asks whether its rows point at rows the restore removes.
 */
export interface ExternalReferrerInfo {
  /** The constraint's name, for the refusal message. */
  name: string;
  /** The referencing table's schema (PostgreSQL) or database (MariaDB). */
  schema: string;
  table: string;
  columns: string[];
  /** This table's columns, in the order of `columns`. */
  refColumns: string[];
  onDelete?: string;
  onUpdate?: string;
  /** PostgreSQL: DEFERRABLE, so SET CONSTRAINTS ALL DEFERRED defers its NO ACTION check to COMMIT. */
  deferrable?: boolean;
}

/** A unique constraint or index, as the server enforces it. */
export interface UniqueIndexInfo {
  name: string;
  /** One SQL expression per key part, over the table's unqualified column names. */
  parts: string[];
  /** The plain columns the parts read, when every part is a plain column (or a prefix of one). */
  columns: string[] | null;
  /** Partial index predicate over unqualified column names (PostgreSQL), else null. */
  predicate: string | null;
  /** PostgreSQL `UNIQUE NULLS NOT DISTINCT`: a NULL part equals a NULL part, so rows with NULL keys collide too. */
  nullsEqual?: boolean;
  /**
   * An exclusion constraint (PostgreSQL `EXCLUDE`): one operator per part, `OPERATOR(schema.op)`; two rows conflict
   * where every part's operator holds between them (`&&` of two ranges: they overlap). Absent: a unique index.
   */
  operators?: string[];
  /**
   * MariaDB `UNIQUE (room, p WITHOUT OVERLAPS)`: the period's end and start columns close `columns`; two rows
   * conflict where the other parts are equal and the periods [start, end) overlap.
   */
  overlaps?: { start: string; end: string };
}

export interface TriggerInfo {
  table: string;
  name: string;
  /** e.g. `AFTER INSERT`. */
  timing: string;
  /** Fires even when the session skips triggers (PostgreSQL ENABLE ALWAYS). */
  always: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  uniqueKeys: string[][];
  /**
   * Every unique constraint and index other than the primary key, with expressions and predicates, and every
   * exclusion constraint (`operators`): whatever refuses a row because of another row's values.
   */
  uniqueIndexes: UniqueIndexInfo[];
  /** Leading columns of every index, for the missing-index report. */
  indexes: string[][];
  /** MariaDB: every index by name, for the index hints of BackupDialect.parentFirst. */
  namedIndexes?: { name: string; columns: string[] }[];
  foreignKeys: ForeignKeyInfo[];
  /** Foreign keys of tables outside the schema that reference this one (their rows are not the tenant's). */
  externalReferrers?: ExternalReferrerInfo[];
  /** Column filled by AUTO_INCREMENT / identity / serial, if any. */
  autoIncrement: string | null;
  triggers: TriggerInfo[];
  /** PostgreSQL: rewrite rules on INSERT, which COPY would not apply (such a table is never bulk-loaded). */
  insertRules?: string[];
  /**
   * PostgreSQL: the primary key or a unique constraint is DEFERRABLE, so inside a restore (SET CONSTRAINTS ALL
   * DEFERRED) a duplicate fails only at COMMIT, not at the statement that writes it.
   */
  deferrableUnique?: boolean;
  /**
   * PostgreSQL: the partitioned tables this one is a partition of, nearest first (FKs to it name one of them:
   * with sub-partitions, the root or a level between).
   */
  partitionOf?: string[];
  /**
   * MariaDB: the table's storage engine when it has no transactions (MyISAM, Aria, MEMORY): its writes stay when the
   * restore's transaction rolls back.
   */
  nonTransactional?: string;
}

export type SchemaInfo = Map<string, TableInfo>;

export function emptyTable(name: string): TableInfo {
  return {
    name,
    columns: [],
    primaryKey: [],
    uniqueKeys: [],
    uniqueIndexes: [],
    indexes: [],
    foreignKeys: [],
    autoIncrement: null,
    triggers: [],
  };
}

/** A partition of `table`, at any depth (PostgreSQL; never true on MariaDB, which has no partitioned tables of its own). */
export function isPartitionOf(t: TableInfo | undefined, table: string): boolean {
  return !!t?.partitionOf?.includes(table);
}

export function columnOf(t: TableInfo, name: string): ColumnInfo {
  const c = t.columns.find((x) => x.name === name);
  if (!c) throw new Error(`internal: table ${t.name} has no column ${name}`);
  return c;
}

/**
 * The columns that identify a row: the primary key, else a unique key whose columns are all NOT NULL, of stored
 * (not generated) columns both; else none
 * (the whole row is its identity, and equal rows are counted).
 */
export function rowIdentity(t: TableInfo): string[] | null {
  // A generated column is not in the archive (dataColumns), so a key that holds one cannot identify its rows: until
  // 2026-12-08 a PostgreSQL primary key with a STORED column failed every restore that compared rows
  // (TENANTOPS_E_INTERNAL).
  const stored = (c: string) => t.columns.some((x) => x.name === c && !x.generated);
  if (t.primaryKey.length && t.primaryKey.every(stored)) return t.primaryKey;
  const notNull = (c: string) => stored(c) && t.columns.some((x) => x.name === c && !x.nullable);
  return t.uniqueKeys.find((k) => k.length && k.every(notNull)) ?? null;
}
