import type { ConnectOptions, Db } from './db.ts';
import type { DbTarget, Engine } from './db-target.ts';
import { parseDbUrl } from './parse-db-url.ts';

type Connector = (target: DbTarget, options: ConnectOptions) => Promise<Db>;

// Drivers load on first use: a command that talks to one engine should not pay for the other two at startup.
const CONNECTORS: Record<Engine, () => Promise<Connector>> = {
  mysql: async () => (await import('./mysql/connect-mysql.ts')).connectMysql as Connector,
  postgres: async () => (await import('./postgres/connect-postgres.ts')).connectPostgres as Connector,
  pglite: async () => (await import('./pglite/connect-pglite.ts')).connectPglite as Connector,
};

export async function connectDb(target: DbTarget | string, options: ConnectOptions = {}): Promise<Db> {
  const t = typeof target === 'string' ? parseDbUrl(target) : target;
  return (await CONNECTORS[t.engine]())(t, options);
}
