import { quoteWith, type ColumnType, type SqlDialect } from '../sql-dialect.ts';

export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  quoteIdent: (n) => quoteWith('`', n),
  param: () => '?',
  columnType(t: ColumnType): string {
    switch (t.kind) {
      case 'id':
        return 'BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY';
      case 'bigint':
        return 'BIGINT';
      case 'int':
        return 'INT';
      case 'smallint':
        return 'SMALLINT';
      case 'bool':
        return 'TINYINT(1)';
      case 'varchar':
        return `VARCHAR(${t.length})`;
      case 'text':
        return 'LONGTEXT';
      case 'decimal':
        return `DECIMAL(${t.precision},${t.scale})`;
      case 'datetime':
        return 'DATETIME(6)';
      case 'date':
        return 'DATE';
      case 'json':
        return 'JSON';
      case 'blob':
        return 'LONGBLOB';
      case 'double':
        return 'DOUBLE';
    }
  },
  tableOptions: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  createIndex(table, name, columns, unique) {
    const q = mysqlDialect.quoteIdent;
    return `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${q(name)} ON ${q(table)} (${columns.map(q).join(', ')})`;
  },
  insertReturningId(table, columns) {
    const q = mysqlDialect.quoteIdent;
    return `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
  },
  skipLocked: 'FOR UPDATE SKIP LOCKED',
  now: 'NOW(6)',
  addForeignKey(table, name, column, refTable, refColumn) {
    const q = mysqlDialect.quoteIdent;
    return `ALTER TABLE ${q(table)} ADD CONSTRAINT ${q(name)} FOREIGN KEY (${q(column)}) REFERENCES ${q(refTable)} (${q(refColumn)})`;
  },
  // InnoDB moves AUTO_INCREMENT past explicit ids by itself.
  syncSequenceSql: () => null,
  nowPlusSeconds: () => 'NOW(6) + INTERVAL ? SECOND',
};
