import type { Options } from './command.ts';
import { TenantopsError } from '../errors/index.ts';

/** How long a connection attempt may take unless --connect-timeout says otherwise: a typo should fail fast. */
export const DEFAULT_CONNECT_TIMEOUT_S = 5;

export const connectTimeoutOption = {
  'connect-timeout': {
    type: 'string',
    value: 'SECONDS',
    description: `give up connecting to the database after this long (default ${DEFAULT_CONNECT_TIMEOUT_S})`,
  },
} as const satisfies Options;
export const dbOption = {
  db: { type: 'string', value: 'URL', description: 'database URL (default pglite://./.tenantops/db)' },
  ...connectTimeoutOption,
} as const satisfies Options;
export const jsonOption = {
  json: { type: 'boolean', description: 'print a machine-readable result on stdout' },
} as const satisfies Options;
export const verboseOption = {
  verbose: { type: 'boolean', short: 'v', description: 'print per-table detail' },
} as const satisfies Options;
export const keyFileOption = {
  'key-file': { type: 'string', value: 'FILE', description: 'file holding the backup key (else TENANTOPS_BACKUP_KEY)' },
} as const satisfies Options;
export const globalOptions = {
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
  debug: { type: 'boolean', description: 'print the stack trace of an error' },
} as const satisfies Options;

/** --connect-timeout in milliseconds: a positive number of seconds, fractions allowed. */
export function connectTimeoutFrom(values: { 'connect-timeout'?: string }): number {
  const raw = values['connect-timeout'];
  if (raw === undefined) return DEFAULT_CONNECT_TIMEOUT_S * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 3600)
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `--connect-timeout must be a number of seconds between 0 and 3600, got ${JSON.stringify(raw)}`,
    );
  return Math.round(n * 1000);
}
