import type { Db, Queryable } from '../db/index.ts';
import { TenantopsError } from '../errors/index.ts';
import type { BackupConfig } from './config/backup-config.ts';
import { backupDialectFor } from './dialect/backup-dialect-for.ts';
import type { BackupDialect } from './dialect/backup-dialect.ts';
import type { SchemaInfo } from './schema-info.ts';
import { buildScopePlan } from './scope/build-scope-plan.ts';
import { bindTenant, type ScopePlan } from './scope/scope-plan.ts';

export interface TenantScope {
  dialect: BackupDialect;
  schema: SchemaInfo;
  plan: ScopePlan;
}

export async function tenantScope(db: Db, q: Queryable, config: BackupConfig): Promise<TenantScope> {
  const dialect = backupDialectFor(db.target.engine);
  const schema = await dialect.introspect(q);
  const plan = buildScopePlan(schema, config, dialect);
  return { dialect, schema, plan };
}

/**
 * The tenant id is always bound, but an integer key compared with text makes MariaDB cast '1 OR 1=1' to 1;
 * so an integer key only accepts an integer. Written as the server writes it: '01', '+1' or '-0' would find
 * tenant 1 (0) through the key's comparison, and back it up as a tenant of another name, whose archives no
 * restore --from-dir --tenant 1 or prune of tenant 1 sees. Up to 20 digits: BIGINT UNSIGNED reaches
 * 18446744073709551615 (until 2026-12-07 ids of 20 digits were refused).
 */
export function checkTenantIdShape(scope: TenantScope, tenantId: string): void {
  const { table, key } = scope.plan.tenant;
  const col = scope.schema.get(table)!.columns.find((c) => c.name === key)!;
  if (/int|serial|numeric|decimal/i.test(col.type) && !/^(0|-?[1-9]\d{0,19})$/.test(tenantId)) {
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `tenant id must be an integer, written without leading zeros, spaces or '+', for ${table}.${key}, got ${JSON.stringify(tenantId.slice(0, 40))}`,
    );
  }
}

/** Refuses a tenant id of the wrong shape, or one the tenant table does not hold (TENANTOPS_E_TENANT_NOT_FOUND). */
export async function checkTenant(q: Queryable, scope: TenantScope, tenantId: string): Promise<void> {
  checkTenantIdShape(scope, tenantId);
  if (!(await tenantExists(q, scope, tenantId)))
    throw new TenantopsError(
      'TENANTOPS_E_TENANT_NOT_FOUND',
      `tenant ${tenantId} not found in ${scope.plan.tenant.table}.${scope.plan.tenant.key}`,
    );
}

/**
 * Whether the tenant table holds this id, compared as every scope predicate compares it: exactly. Compared by
 * the key's collation, 'ABC' found tenant 'abc' (a case-insensitive key, or 'abc ' under PAD SPACE), and the
 * backup wrote an archive of nothing named 'ABC' instead of saying there is no such tenant.
 */
export async function tenantExists(q: Queryable, scope: TenantScope, tenantId: string): Promise<boolean> {
  const d = scope.dialect;
  const { table } = scope.plan.tenant;
  const entry = scope.plan.entries.find((e) => e.table === table && e.how === 'tenant-table')!;
  const b = bindTenant(entry.predicate, tenantId, d.param);
  const r = await q.query(`SELECT 1 AS x FROM ${d.from(table)} WHERE ${b.sql}`, b.params);
  return r.length > 0;
}
