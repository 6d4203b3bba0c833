import type { Db, Queryable, Row, SqlDialect } from '../db/index.ts';
import { PLATFORM_TABLES } from './schema/platform-tables.ts';
import { ident, joinSql, raw, sql, Sql } from './sql.ts';

/** Tables that carry a tenant_id column: the only tables a TenantRepo can touch. */
export const TENANT_TABLES: ReadonlySet<string> = new Set(
  PLATFORM_TABLES.filter((t) => t.columns.some((c) => c.name === 'tenant_id')).map((t) => t.name),
);

/** Column equality (null → IS NULL, array → IN) or a prepared Sql condition. */
export type Where = Readonly<Record<string, unknown>> | Sql;

export interface SelectOptions {
  columns?: readonly (string | Sql)[];
  where?: Where;
  groupBy?: readonly string[];
  orderBy?: readonly (readonly [string, 'ASC' | 'DESC'])[];
  limit?: number;
  offset?: number;
}

export interface TenantRepoOptions {
  /** Needed for transaction(); a repo already inside a transaction has none. */
  db?: Db;
  /**
   * TEST-ONLY fault injection (faults.disableTenantFilterOn): false drops the tenant condition from reads, updates
   * and deletes so the load test's isolation check can be shown to fire. Inserts still write tenant_id.
   */
  filter?: boolean;
}

/**
 * The one data-access layer for tenant routes. It is bound to one tenant when created, and every statement it
 * builds carries `tenant_id = ?` (bound): there is no method that takes raw SQL against a tenant table, so a route
 * cannot forget the filter.
 */
export class TenantRepo {
  readonly tenantId: number;
  readonly dialect: SqlDialect;
  private readonly q: Queryable;
  private readonly options: TenantRepoOptions;

  constructor(q: Queryable, dialect: SqlDialect, tenantId: number, options: TenantRepoOptions = {}) {
    this.q = q;
    this.dialect = dialect;
    this.tenantId = tenantId;
    this.options = options;
  }

  async select<R extends Row = Row>(table: string, o: SelectOptions = {}): Promise<R[]> {
    const cols = o.columns?.length ? joinSql(o.columns.map(column), ', ') : raw('*');
    let s = sql`SELECT ${cols} FROM ${tableRef(table)} WHERE ${this.scope(o.where)}`;
    if (o.groupBy?.length) s = sql`${s} GROUP BY ${joinSql(o.groupBy.map(ident), ', ')}`;
    if (o.orderBy?.length) {
      const order = o.orderBy.map(([c, dir]) => sql`${ident(c)} ${raw(dir === 'DESC' ? 'DESC' : 'ASC')}`);
      s = sql`${s} ORDER BY ${joinSql(order, ', ')}`;
    }
    if (o.limit !== undefined) s = sql`${s} LIMIT ${o.limit}`;
    if (o.offset) s = sql`${s} OFFSET ${o.offset}`;
    return this.run<R>(s);
  }

  async get<R extends Row = Row>(table: string, id: number, columns?: readonly string[]): Promise<R | null> {
    const rows = await this.select<R>(table, { columns, where: { id }, limit: 1 });
    return rows[0] ?? null;
  }

  async exists(table: string, id: number): Promise<boolean> {
    return (await this.get(table, id, ['id'])) !== null;
  }

  /** Inserts one row with this tenant's id and returns the new id. */
  async insert(table: string, values: Readonly<Record<string, unknown>>): Promise<number> {
    tableRef(table);
    const columns = ['tenant_id', ...Object.keys(values).filter((k) => values[k] !== undefined && k !== 'tenant_id')];
    const params = columns.map((c) => (c === 'tenant_id' ? this.tenantId : values[c]));
    const r = await this.q.execute(this.dialect.insertReturningId(table, columns), params);
    return Number(r.insertId);
  }

  /** One multi-row INSERT; callers keep batches within the engines' parameter limits. */
  async insertMany(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<number> {
    if (rows.length === 0) return 0;
    const tuples = rows.map((r) => sql`(${joinSql([this.tenantId, ...r].map(value), ', ')})`);
    const cols = joinSql(['tenant_id', ...columns].map(ident), ', ');
    const r = await this.exec(sql`INSERT INTO ${tableRef(table)} (${cols}) VALUES ${joinSql(tuples, ', ')}`);
    return r.affectedRows;
  }

  async update(table: string, id: number, values: Readonly<Record<string, unknown>>): Promise<number> {
    return this.updateWhere(table, { id }, values);
  }

  async updateWhere(table: string, where: Where, values: Readonly<Record<string, unknown>>): Promise<number> {
    const sets = Object.entries(values)
      .filter(([k, v]) => v !== undefined && k !== 'tenant_id' && k !== 'id')
      .map(([k, v]) => sql`${ident(k)} = ${value(v)}`);
    if (sets.length === 0) return 0;
    const r = await this.exec(sql`UPDATE ${tableRef(table)} SET ${joinSql(sets, ', ')} WHERE ${this.scope(where)}`);
    return r.affectedRows;
  }

  async delete(table: string, id: number): Promise<number> {
    return this.deleteWhere(table, { id });
  }

  async deleteWhere(table: string, where: Where): Promise<number> {
    const r = await this.exec(sql`DELETE FROM ${tableRef(table)} WHERE ${this.scope(where)}`);
    return r.affectedRows;
  }

  /** Runs fn with a repo for the same tenant on one transaction; everything rolls back on error. */
  async transaction<T>(fn: (repo: TenantRepo) => Promise<T>): Promise<T> {
    const db = this.options.db;
    if (!db) return fn(this); // already inside a transaction
    return db.transaction((s) =>
      fn(new TenantRepo(s, this.dialect, this.tenantId, { ...this.options, db: undefined })),
    );
  }

  private scope(where?: Where): Sql {
    const parts: Sql[] = this.options.filter === false ? [] : [sql`${ident('tenant_id')} = ${this.tenantId}`];
    if (where instanceof Sql) parts.push(sql`(${where})`);
    else if (where) {
      for (const [k, v] of Object.entries(where)) {
        if (v === undefined) continue;
        if (v === null) parts.push(sql`${ident(k)} IS NULL`);
        else if (Array.isArray(v))
          parts.push(v.length ? sql`${ident(k)} IN (${joinSql(v.map(value), ', ')})` : raw('1 = 0'));
        else parts.push(sql`${ident(k)} = ${v}`);
      }
    }
    return parts.length ? joinSql(parts, ' AND ') : raw('1 = 1');
  }

  private async run<R extends Row>(s: Sql): Promise<R[]> {
    const { text, params } = s.render(this.dialect);
    return this.q.query<R>(text, params);
  }

  private async exec(s: Sql): Promise<{ affectedRows: number }> {
    const { text, params } = s.render(this.dialect);
    return this.q.execute(text, params);
  }
}

function tableRef(table: string): Sql {
  // A typo or a global table here is a programming error, not user input: fail loudly.
  if (!TENANT_TABLES.has(table)) throw new Error(`TenantRepo: ${table} is not a tenant table`);
  return ident(table);
}

function column(c: string | Sql): Sql {
  return typeof c === 'string' ? ident(c) : c;
}

function value(v: unknown): Sql {
  return v instanceof Sql ? v : sql`${v}`;
}
