import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from '../../src/lab/free-port.ts';
import { spawnLabProcess } from '../../src/lab/lab-process.ts';
import { waitFor } from '../../src/lab/wait-for.ts';
import { connectDb, type Db } from '../../src/db/index.ts';

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

export interface OwnApp {
  /** root on the server's `mysql` database, text mode. */
  root: Db;
  /** `app` as root: for settings that do not depend on the login. */
  rootAppUrl: string;
  /** `app` as a login without SUPER (SELECT, INSERT, UPDATE, DELETE, TRIGGER on app.*): init_connect runs for it. */
  appUrl: string;
  /** An empty temporary directory for archives. */
  dir: string;
}

/**
 * A mariadbd of the test's own with an empty utf8mb4 database `app` and a login `app` without SUPER; everything
 * (server, connection, directory) is gone when `fn` settles.
 */
export async function withOwnMariadbApp(extraArgs: string[], fn: (app: OwnApp) => Promise<void>): Promise<void> {
  const server = await startOwnMariadb(extraArgs);
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-own-app-'));
  const root = await connectDb(`${server.rootUrl}/mysql`, { values: 'text' });
  try {
    await root.execute('CREATE DATABASE app CHARACTER SET utf8mb4');
    await root.execute("CREATE USER 'app'@'127.0.0.1'");
    await root.execute("GRANT SELECT, INSERT, UPDATE, DELETE, TRIGGER ON app.* TO 'app'@'127.0.0.1'");
    await fn({ root, rootAppUrl: `${server.rootUrl}/app`, appUrl: `mysql://app@127.0.0.1:${server.port}/app`, dir });
  } finally {
    await root.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
