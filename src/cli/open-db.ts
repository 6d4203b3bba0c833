import { connectDb, DEFAULT_DB_URL, type Db, type ValueMode } from '../db/index.ts';
import { parseDbUrl } from '../db/index.ts';
import type { CliIo } from './command.ts';
import { connectTimeoutFrom } from './common-options.ts';

/** The --db flag, else TENANTOPS_DB_URL, else the embedded default (created on first use). */
export function dbUrlFrom(values: { db?: string }, io: CliIo): string {
  return values.db || io.env.TENANTOPS_DB_URL || DEFAULT_DB_URL;
}

export async function openDb(
  values: { db?: string; 'connect-timeout'?: string },
  io: CliIo,
  mode: ValueMode = 'typed',
): Promise<Db> {
  return connectDb(parseDbUrl(dbUrlFrom(values, io), io.cwd), {
    values: mode,
    connectTimeoutMs: connectTimeoutFrom(values),
  });
}
