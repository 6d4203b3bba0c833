import type { Db } from '../../db/index.ts';
import { PLATFORM_TABLES } from '../schema/platform-tables.ts';
import type { TableDef } from '../schema/table-def.ts';
import { ident, joinSql, sql, type Sql } from '../sql.ts';

const hasTenantId = (t: TableDef): boolean => t.columns.some((c) => c.name === 'tenant_id');
const TENANT_TABLES = PLATFORM_TABLES.filter(hasTenantId);
const TENANT_NAMES = new Set(TENANT_TABLES.map((t) => t.name));
/** Drupal field tables ({entity}__{field}): no tenant_id, owned through entity_id → a tenant table. */
const FIELD_TABLES = PLATFORM_TABLES.filter(
  (t) => !hasTenantId(t) && t.foreignKeys?.some((f) => f.column === 'entity_id' && TENANT_NAMES.has(f.table)),
).map((t) => ({ name: t.name, parent: t.foreignKeys!.find((f) => f.column === 'entity_id')!.table }));

/** Children before parents, from the declared references, so the deletes also pass with foreign keys on. */
function childrenFirst(tables: readonly TableDef[]): TableDef[] {
  const left = [...tables];
  const out: TableDef[] = [];
  while (left.length) {
    const i = left.findIndex((t) => !left.some((o) => o !== t && o.foreignKeys?.some((f) => f.table === t.name)));
    // A cycle cannot happen in this schema; fall back to the declared order rather than loop forever.
    out.push(...left.splice(i < 0 ? 0 : i, 1));
  }
  return out;
}
const DELETE_ORDER = childrenFirst(TENANT_TABLES);

/**
 * Removes a tenant and every row it owns, in one transaction: field tables, tenant tables, memberships, the tenant
 * entity and the group. Global rows (users) stay. Returns the number of rows deleted, or null if no such tenant.
 */
export async function deleteTenant(db: Db, tenantId: number): Promise<number | null> {
  return db.transaction(async (s) => {
    const run = async (stmt: Sql): Promise<number> => {
      const { text, params } = stmt.render(db.dialect);
      return (await s.execute(text, params)).affectedRows;
    };
    const ids = async (stmt: Sql): Promise<number[]> => {
      const { text, params } = stmt.render(db.dialect);
      return (await s.query<{ id: number }>(text, params)).map((r) => Number(r.id));
    };
    const exists = await ids(
      sql`SELECT ${ident('id')} FROM ${ident('groups')} WHERE ${ident('id')} = ${tenantId} AND ${ident('type')} = ${'tenant'}`,
    );
    if (exists.length === 0) return null;
    let n = 0;
    for (const f of FIELD_TABLES) {
      n += await run(
        sql`DELETE FROM ${ident(f.name)} WHERE ${ident('entity_id')} IN (SELECT ${ident('id')} FROM ${ident(f.parent)} WHERE ${ident('tenant_id')} = ${tenantId})`,
      );
    }
    for (const t of DELETE_ORDER)
      n += await run(sql`DELETE FROM ${ident(t.name)} WHERE ${ident('tenant_id')} = ${tenantId}`);
    // The membership and tenant entities are found through their field data, which must go first: collect ids.
    const rels = await ids(
      sql`SELECT ${ident('id')} FROM ${ident('group_relationship_field_data')} WHERE ${ident('gid')} = ${tenantId}`,
    );
    n += await deleteIds(run, 'group_relationship__group_roles', 'entity_id', rels);
    n += await run(sql`DELETE FROM ${ident('group_relationship_field_data')} WHERE ${ident('gid')} = ${tenantId}`);
    n += await deleteIds(run, 'group_relationship', 'id', rels);
    const ents = await ids(
      sql`SELECT ${ident('id')} FROM ${ident('tenant_field_data')} WHERE ${ident('group_id')} = ${tenantId}`,
    );
    n += await run(sql`DELETE FROM ${ident('tenant_field_data')} WHERE ${ident('group_id')} = ${tenantId}`);
    n += await deleteIds(run, 'tenant', 'id', ents);
    n += await run(sql`DELETE FROM ${ident('groups_field_data')} WHERE ${ident('id')} = ${tenantId}`);
    n += await run(sql`DELETE FROM ${ident('groups')} WHERE ${ident('id')} = ${tenantId}`);
    return n;
  });
}

async function deleteIds(
  run: (s: Sql) => Promise<number>,
  table: string,
  column: string,
  ids: readonly number[],
): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000).map((v) => sql`${v}`);
    n += await run(sql`DELETE FROM ${ident(table)} WHERE ${ident(column)} IN (${joinSql(chunk, ', ')})`);
  }
  return n;
}
