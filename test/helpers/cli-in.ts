import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';

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

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * The same, asynchronously: for tests whose servers run in the test process (the S3 server), which a synchronous
 * child would leave unanswered.
 */
export function cliAsyncIn(dir: string): (args: string[], env?: Record<string, string>) => Promise<CliResult> {
  return (args, env = {}) =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { cwd: dir, env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '', ...env } },
        (err, stdout, stderr) =>
          resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
}
