import type { SqlDialect } from '../../db/index.ts';
import type { TableDef } from './table-def.ts';

export function indexName(prefix: string, table: string, columns: readonly string[]): string {
  // PostgreSQL truncates identifiers at 63 bytes; keep names unique and short.
  return `${prefix}_${table}_${columns.join('_')}`.slice(0, 63);
}

export function createTableSql(d: SqlDialect, t: TableDef): string {
  const q = d.quoteIdent;
  const cols = t.columns.map((c) => {
    const type = d.columnType(c.type);
    return `${q(c.name)} ${type}${c.type.kind === 'id' ? '' : c.nullable === false ? ' NOT NULL' : ' NULL'}`;
  });
  if (t.primaryKey) cols.push(`PRIMARY KEY (${t.primaryKey.map(q).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${q(t.name)} (\n  ${cols.join(',\n  ')}\n)${d.tableOptions}`;
}

export function createIndexSql(d: SqlDialect, t: TableDef): string[] {
  return (t.indexes ?? []).map((i) =>
    d.createIndex(t.name, indexName(i.unique ? 'uq' : 'ix', t.name, i.columns), i.columns, !!i.unique),
  );
}

export function foreignKeySql(d: SqlDialect, t: TableDef): { name: string; sql: string }[] {
  return (t.foreignKeys ?? []).map((fk) => {
    const name = indexName('fk', t.name, [fk.column]);
    return { name, sql: d.addForeignKey(t.name, name, fk.column, fk.table, fk.column2 ?? 'id') };
  });
}
