import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

/**
 * The tenantops CLI run in `dir`, synchronously, with no database URL or backup key taken from the environment
 * the tests run in: only what `env` sets.
 */
export function cliIn(dir: string): (args: string[], env?: Record<string, string>) => SpawnSyncReturns<string> {
  return (args, env = {}) =>
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '', ...env },
    });
}
