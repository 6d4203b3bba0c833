import type { OptionSpec } from './command.ts';

export const dbOption: Record<string, OptionSpec> = {
  db: { type: 'string', value: 'URL', description: 'database URL (default pglite://./.tenantops/db)' },
};
export const jsonOption: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print a machine-readable result on stdout' },
};
export const globalOptions: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
  debug: { type: 'boolean', description: 'print the stack trace of an error' },
};
