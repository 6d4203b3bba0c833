import type { ColumnType } from '../../db/index.ts';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

export interface ForeignKeyDef {
  column: string;
  table: string;
  column2?: string;
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  /** Composite or non-auto primary key; omitted when a column has kind 'id'. */
  primaryKey?: string[];
  indexes?: { columns: string[]; unique?: boolean }[];
  /** Declared only by `db migrate --foreign-keys`; Drupal declares none. */
  foreignKeys?: ForeignKeyDef[];
  /** True for tables that belong to no tenant. */
  global?: boolean;
}
