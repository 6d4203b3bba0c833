import type { ConnectOptions, Db } from './db.ts';
import type { DbTarget, Engine } from './db-target.ts';
import { connectMysql } from './mysql/connect-mysql.ts';
import { connectPostgres } from './postgres/connect-postgres.ts';
import { connectPglite } from './pglite/connect-pglite.ts';
import { parseDbUrl } from './parse-db-url.ts';

type Connector = (target: never, options: ConnectOptions) => Promise<Db>;
const CONNECTORS: Record<Engine, Connector> = {
  mysql: connectMysql,
  postgres: connectPostgres,
  pglite: connectPglite,
};

export function connectDb(target: DbTarget | string, options: ConnectOptions = {}): Promise<Db> {
  const t = typeof target === 'string' ? parseDbUrl(target) : target;
  return (CONNECTORS[t.engine] as (t: DbTarget, o: ConnectOptions) => Promise<Db>)(t, options);
}
