/** What introspection tells about one table; engine-neutral. */
export interface ColumnInfo {
  name: string;
  /** The engine's full type, e.g. `decimal(32,4)` or `timestamp(6) without time zone`. */
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  /** Generated columns are neither dumped nor inserted. */
  generated: boolean;
}

export interface ForeignKeyInfo {
  columns: string[];
  refTable: string;
  refColumns: string[];
  deferrable: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  uniqueKeys: string[][];
  /** Leading columns of every index, for the missing-index report. */
  indexes: string[][];
  foreignKeys: ForeignKeyInfo[];
  /** Column filled by AUTO_INCREMENT / identity / serial, if any. */
  autoIncrement: string | null;
}

export type SchemaInfo = Map<string, TableInfo>;

export function emptyTable(name: string): TableInfo {
  return { name, columns: [], primaryKey: [], uniqueKeys: [], indexes: [], foreignKeys: [], autoIncrement: null };
}
