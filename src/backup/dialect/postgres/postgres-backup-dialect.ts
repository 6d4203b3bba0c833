import type { DbSession, Queryable } from '../../../db/index.ts';
import type { BackupDialect } from '../backup-dialect.ts';
import { emptyTable, type SchemaInfo, type TableInfo } from '../../schema-info.ts';

const q = (n: string) => '"' + n.split('"').join('""') + '"';

/** PostgreSQL and PGlite. Only the current schema (the URL's ?schema=) is read. */
export const postgresBackupDialect: BackupDialect = {
  quote: q,
  deleteByKeys: false,
  param: (i) => `$${i}`,
  // An inheritance child or partition is a table of its own: never read its rows through the parent.
  from: (t) => `ONLY ${q(t)}`,
  async introspect(db: Queryable): Promise<SchemaInfo> {
    const out: SchemaInfo = new Map();
    // relkind 'r' only: a partitioned parent ('p') holds no rows of its own; its partitions are listed as tables.
    const tables = await db.query<{ t: string }>(
      `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname`,
    );
    for (const { t } of tables) {
      out.set(t, emptyTable(t));
    }
    const cols = await db.query<{
      t: string;
      c: string;
      ty: string;
      nn: string | boolean;
      hd: string | boolean;
      g: string;
      id: string;
      d: string | null;
    }>(
      `SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS nn,
              a.atthasdef AS hd, a.attgenerated AS g, a.attidentity AS id, pg_get_expr(d.adbin, d.adrelid) AS d
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum`,
    );
    const truthy = (v: string | boolean) => v === true || v === 't' || v === 'true';
    for (const c of cols) {
      const t = out.get(c.t);
      if (!t) continue;
      const identity = c.id === 'a' || c.id === 'd';
      const serial = typeof c.d === 'string' && c.d.startsWith('nextval(');
      t.columns.push({
        name: c.c,
        type: c.ty,
        nullable: !truthy(c.nn),
        hasDefault: truthy(c.hd) || identity,
        generated: (c.g ?? '') !== '',
      });
      if (identity || serial) t.autoIncrement = c.c;
    }
    const idx = await db.query<{ t: string; p: string | boolean; u: string | boolean; cols: string }>(
      `SELECT c.relname AS t, i.indisprimary AS p, i.indisunique AS u,
              (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS cols
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r'`,
    );
    for (const r of idx) {
      const t = out.get(r.t);
      if (!t || !r.cols) continue;
      const list = String(r.cols).split(',');
      t.indexes.push(list);
      if (truthy(r.p)) t.primaryKey = list;
      else if (truthy(r.u)) t.uniqueKeys.push(list);
    }
    const fks = await db.query<{ t: string; rt: string; cols: string; rcols: string; def: string | boolean }>(
      `SELECT c.relname AS t, rc.relname AS rt, con.condeferrable AS def,
              (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS cols,
              (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS rcols
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE con.contype = 'f' AND n.nspname = current_schema() AND rn.nspname = current_schema()`,
    );
    for (const f of fks) {
      out.get(f.t)?.foreignKeys.push({
        columns: String(f.cols).split(','),
        refTable: f.rt,
        refColumns: String(f.rcols).split(','),
        deferrable: truthy(f.def),
      });
    }
    return out;
  },
  async relaxConstraints(s: DbSession, tables: readonly TableInfo[]): Promise<() => Promise<void>> {
    // Least privilege first: deferrable FKs are checked at COMMIT, after the whole tenant is back.
    await s.execute('SET CONSTRAINTS ALL DEFERRED');
    if (tables.some((t) => t.foreignKeys.some((f) => !f.deferrable))) {
      // A NOT DEFERRABLE FK cycle cannot be inserted row by row; replica mode skips FK triggers for this
      // transaction only (SET LOCAL). It needs superuser; without it the plan's parent-first order has to do.
      // A failed statement aborts a PostgreSQL transaction, hence the savepoint around the attempt.
      await s.execute('SAVEPOINT tenantops_srr');
      try {
        await s.execute("SET LOCAL session_replication_role = 'replica'");
        await s.execute('RELEASE SAVEPOINT tenantops_srr');
      } catch {
        await s.execute('ROLLBACK TO SAVEPOINT tenantops_srr');
      }
    }
    // Both settings end with the transaction.
    return async () => {};
  },
  async advanceSequences(s: DbSession, tables: readonly TableInfo[]): Promise<void> {
    for (const t of tables) {
      if (!t.autoIncrement) continue;
      const col = t.autoIncrement;
      // setval is not rolled back with the transaction, so it must only ever move forward: GREATEST with the
      // sequence's current position.
      await s.query(
        `SELECT setval(x.seq, x.v) FROM (
           SELECT pg_get_serial_sequence($1, $2) AS seq,
                  GREATEST((SELECT COALESCE(MAX(${q(col)}), 0) FROM ONLY ${q(t.name)}),
                           (SELECT COALESCE(MAX(last_value), 0) FROM pg_sequences
                             WHERE format('%I.%I', schemaname, sequencename) = pg_get_serial_sequence($1, $2)), 1) AS v) x
          WHERE x.seq IS NOT NULL`,
        [q(t.name), col],
      );
    }
  },
  async avgRowBytes(db: Queryable, table: string): Promise<number> {
    const r = await db.query<{ b: number | string | null }>(
      `SELECT CASE WHEN c.reltuples > 0 THEN pg_relation_size(c.oid) / c.reltuples ELSE 0 END AS b
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = $1`,
      [table],
    );
    return Math.round(Number(r[0]?.b ?? 0)) || 100;
  },
};
