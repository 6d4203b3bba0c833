import type { DbSession, Queryable } from '../../../db/index.ts';
import type { BackupDialect } from '../backup-dialect.ts';
import { emptyTable, type SchemaInfo, type TableInfo } from '../../schema-info.ts';

const q = (n: string) => '`' + n.split('`').join('``') + '`';

export const mysqlBackupDialect: BackupDialect = {
  quote: q,
  deleteByKeys: true,
  param: () => '?',
  from: q,
  async introspect(db: Queryable): Promise<SchemaInfo> {
    const tables = await db.query<{ t: string }>(
      `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
    );
    const out: SchemaInfo = new Map();
    for (const { t } of tables) {
      out.set(t, emptyTable(t));
    }
    const cols = await db.query<{ t: string; c: string; ty: string; n: string; d: string | null; x: string }>(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS ty, IS_NULLABLE AS n, COLUMN_DEFAULT AS d, EXTRA AS x
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    );
    for (const c of cols) {
      const t = out.get(c.t);
      if (!t) continue;
      const extra = (c.x ?? '').toLowerCase();
      t.columns.push({
        name: c.c,
        type: String(c.ty).toLowerCase(),
        nullable: c.n === 'YES',
        hasDefault: c.d !== null || extra.includes('auto_increment'),
        generated:
          extra.includes('generated') ||
          extra.includes('virtual') ||
          extra.includes('stored') ||
          extra.includes('persistent'),
      });
      if (extra.includes('auto_increment')) t.autoIncrement = c.c;
    }
    const idx = await db.query<{ t: string; i: string; u: number | string; c: string }>(
      `SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS u, COLUMN_NAME AS c FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    );
    const groups = new Map<string, { t: string; i: string; unique: boolean; cols: string[] }>();
    for (const r of idx) {
      const k = `${r.t}\u0000${r.i}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { t: r.t, i: r.i, unique: Number(r.u) === 0, cols: [] }));
      g.cols.push(r.c);
    }
    for (const g of groups.values()) {
      const t = out.get(g.t);
      if (!t) continue;
      t.indexes.push(g.cols);
      if (g.i === 'PRIMARY') t.primaryKey = g.cols;
      else if (g.unique) t.uniqueKeys.push(g.cols);
    }
    const fks = await db.query<{ t: string; n: string; c: string; rt: string; rc: string }>(
      `SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS n, COLUMN_NAME AS c, REFERENCED_TABLE_NAME AS rt, REFERENCED_COLUMN_NAME AS rc
         FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL AND REFERENCED_TABLE_SCHEMA = DATABASE()
        ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
    );
    const fkGroups = new Map<string, { t: string; cols: string[]; rt: string; rcols: string[] }>();
    for (const r of fks) {
      const k = `${r.t}\u0000${r.n}`;
      let g = fkGroups.get(k);
      if (!g) fkGroups.set(k, (g = { t: r.t, cols: [], rt: r.rt, rcols: [] }));
      g.cols.push(r.c);
      g.rcols.push(r.rc);
    }
    for (const g of fkGroups.values()) {
      // foreign_key_checks=0 lets a restore write cycles in any order, so every FK counts as deferrable.
      out.get(g.t)?.foreignKeys.push({ columns: g.cols, refTable: g.rt, refColumns: g.rcols, deferrable: true });
    }
    return out;
  },
  async relaxConstraints(s: DbSession): Promise<() => Promise<void>> {
    // Session-scoped: it must be switched back before the pooled connection is reused. The restore checks
    // referential integrity itself before COMMIT, since MariaDB will not re-check these rows later.
    await s.execute('SET SESSION foreign_key_checks = 0');
    return async () => {
      await s.execute('SET SESSION foreign_key_checks = 1');
    };
  },
  // InnoDB moves AUTO_INCREMENT past explicitly inserted ids by itself, inside the transaction; ALTER TABLE would
  // commit implicitly, so nothing is done here on purpose.
  async advanceSequences(): Promise<void> {},
  async avgRowBytes(db: Queryable, table: string): Promise<number> {
    const r = await db.query<{ b: number | string | null }>(
      `SELECT AVG_ROW_LENGTH AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
      [table],
    );
    return Number(r[0]?.b ?? 0) || 100;
  },
};

export type { TableInfo };
