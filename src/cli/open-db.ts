import { connectDb, DEFAULT_DB_URL, type Db, type ValueMode } from '../db/index.ts';
import { parseDbUrl } from '../db/index.ts';
import type { CliIo, ParsedValues } from './command.ts';

/** The --db flag, else TENANTOPS_DB_URL, else the embedded default (created on first use). */
export function dbUrlFrom(values: ParsedValues, io: CliIo): string {
  return (values.db as string | undefined) || io.env.TENANTOPS_DB_URL || DEFAULT_DB_URL;
}

export async function openDb(values: ParsedValues, io: CliIo, mode: ValueMode = 'typed'): Promise<Db> {
  return connectDb(parseDbUrl(dbUrlFrom(values, io), io.cwd), { values: mode });
}
