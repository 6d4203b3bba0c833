// The reference tools a tenant backup and restore are measured against, in the same run: MariaDB's
// `mariadb-dump --where` over the tables that have tenant_id (it cannot follow field tables), re-imported with
// `mariadb`; PostgreSQL's `psql \copy` of the same queries, re-imported with `\copy FROM`. A restore by re-import
// must first delete the tenant's rows; that time counts for the reference too.
import type { Db } from '../src/db/index.ts';
import { PLATFORM_TABLES } from '../src/platform/schema/platform-tables.ts';
import { timed } from './timed.ts';

export const TENANT_TABLES = PLATFORM_TABLES.filter((t) => t.columns.some((c) => c.name === 'tenant_id')).map(
  (t) => t.name,
);

export const referenceName = (engine: 'mysql' | 'postgres', step: 'backup' | 'restore') =>
  engine === 'mysql'
    ? step === 'backup'
      ? 'mariadb-dump'
      : 'DELETE + mariadb import'
    : step === 'backup'
      ? 'psql \\copy'
      : 'DELETE + psql \\copy FROM';

export function referenceBackup(engine: 'mysql' | 'postgres', dbName: string, tenant: string, dump: string) {
  if (engine === 'mysql')
    return timed('sh', [
      '-c',
      `mariadb-dump -h127.0.0.1 -uroot --single-transaction --no-create-info --skip-triggers --where="tenant_id=${tenant}" ${dbName} ${TENANT_TABLES.join(' ')} > ${dump}`,
    ]);
  const script = TENANT_TABLES.map(
    (t) => `\\copy (SELECT * FROM ONLY "${t}" WHERE tenant_id = ${tenant}) TO '${dump}.${t}'`,
  ).join('\n');
  return timed('psql', ['-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', dbName, '-v', 'ON_ERROR_STOP=1'], {}, script);
}

export async function referenceRestore(
  engine: 'mysql' | 'postgres',
  db: Db,
  dbName: string,
  tenant: string,
  dump: string,
): Promise<{ secs: number; rssKb: number }> {
  const d0 = performance.now();
  for (const t of TENANT_TABLES)
    await db.execute(
      `DELETE FROM ${db.dialect.quoteIdent(t)} WHERE ${db.dialect.quoteIdent('tenant_id')} = ${db.dialect.param(1)}`,
      [tenant],
    );
  const deleteSecs = (performance.now() - d0) / 1000;
  const ri =
    engine === 'mysql'
      ? timed('sh', ['-c', `mariadb -h127.0.0.1 -uroot ${dbName} < ${dump}`])
      : timed(
          'psql',
          ['-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', dbName, '-v', 'ON_ERROR_STOP=1', '-1'],
          {},
          `SET CONSTRAINTS ALL DEFERRED;\n${TENANT_TABLES.map((t) => `\\copy "${t}" FROM '${dump}.${t}'`).join('\n')}`,
        );
  return { secs: ri.secs + deleteSecs, rssKb: ri.rssKb };
}
