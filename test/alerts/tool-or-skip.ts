import { spawnSync } from 'node:child_process';

/**
 * Whether a command-line tool runs. When it does not: with TENANTOPS_REQUIRE_SERVERS=1 (CI, where .ci/run installs
 * it) this throws so the suite fails; otherwise it returns a skip message, like the database-backed suites do.
 */
export function toolOrSkip(command: string, packageName: string): string | false {
  const r = spawnSync(command, ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return false;
  const why = `${command} not runnable (${r.error?.message ?? `exit ${r.status}`}); install Debian's ${packageName}`;
  if (process.env.TENANTOPS_REQUIRE_SERVERS === '1') throw new Error(`TENANTOPS_REQUIRE_SERVERS=1 but ${why}`);
  return `${why}, or set TENANTOPS_REQUIRE_SERVERS=1 to make this a failure`;
}
