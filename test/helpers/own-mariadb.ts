import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from '../../src/lab/free-port.ts';
import { spawnLabProcess } from '../../src/lab/lab-process.ts';
import { waitFor } from '../../src/lab/wait-for.ts';

export const MARIADBD = '/usr/sbin/mariadbd';

export interface OwnMariadb {
  /** root over TCP (root has SUPER: init_connect does not run for it). */
  rootUrl: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A `mariadbd` of the test's own (fresh datadir, loopback port, socket under a temp directory), for server settings
 * a test must not impose on the shared server (init_connect). `stop()` ends it and removes the directory.
 */
export async function startOwnMariadb(extraArgs: string[]): Promise<OwnMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-own-mariadb-'));
  const datadir = join(dir, 'data');
  const r = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${(r.error?.message ?? r.stderr ?? '').slice(-2000)}`);
  }
  const port = await freePort();
  const socket = join(dir, 'sock');
  const server = spawnLabProcess('mariadbd (test)', MARIADBD, [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${socket}`,
    `--pid-file=${join(dir, 'pid')}`,
    `--tmpdir=${dir}`,
    '--user=root',
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=32M',
    '--performance-schema=OFF',
    ...extraArgs,
  ]);
  const stop = async () => {
    await server.stop(20_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'the test mariadbd to accept connections',
      async () => {
        if (!server.running()) throw new Error(`exited: ${server.output()}`);
        const c = await mysql.createConnection({ socketPath: socket, user: 'root' });
        await c.end();
        return existsSync(socket) || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { rootUrl: `mysql://root@127.0.0.1:${port}`, port, stop };
}
