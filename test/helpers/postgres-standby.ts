import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/lab/free-port.ts';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresStandby {
  primaryUrl: string;
  standbyUrl: string;
  /** Runs SQL on the primary or the standby as the superuser (set-up and damage, not app traffic). */
  admin(which: 'primary' | 'standby', sql: string): Promise<pg.QueryResult>;
  /** Waits until the standby has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Why a standby cannot be made here, or null. */
export function standbyUnavailable(): string | null {
  return existsSync(join(PG_BIN, 'pg_basebackup')) ? null : `${PG_BIN}/pg_basebackup not installed (postgresql-15)`;
}

/**
 * A PostgreSQL primary and a streaming standby of its own (initdb, pg_basebackup -R), on free loopback ports under a
 * fresh /tmp directory, apart from the machine's server. PostgreSQL refuses to run as root, so as root every
 * command runs as the postgres user, which owns the directory.
 */
export async function startPostgresStandby(database = 'tenantops_standby'): Promise<PostgresStandby> {
  const dir = mkdtempSync('/tmp/tenantops-pg-standby-');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const run = (bin: string, args: string[]): void => {
    const [cmd, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]]
      : [join(PG_BIN, bin), args];
    const r = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`${bin} failed (${r.status}): ${(r.stderr || r.stdout || String(r.error)).slice(-1500)}`);
  };
  const primaryDir = join(dir, 'primary');
  const standbyDir = join(dir, 'standby');
  const ports = { primary: await freePort(), standby: await freePort() };
  const started: string[] = [];
  const stop = async (): Promise<void> => {
    for (const d of started.reverse()) {
      try {
        run('pg_ctl', ['-D', d, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = (port: number): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const admin = async (which: 'primary' | 'standby', sql: string): Promise<pg.QueryResult> => {
    const c = new pg.Client({ host: '127.0.0.1', port: ports[which], user: 'postgres', database: 'postgres' });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };
  try {
    run('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync']);
    // Small and unsafe on purpose: a throwaway pair on a shared test machine.
    appendFileSync(
      join(primaryDir, 'postgresql.conf'),
      `\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nfsync = off\nshared_buffers = 16MB\n` +
        `max_wal_senders = 4\nwal_level = replica\n`,
    );
    const start = (d: string, port: number): void => {
      run('pg_ctl', ['-D', d, '-o', `-p ${port}`, '-l', `${d}.log`, '-w', '-t', '60', 'start']);
      started.push(d);
    };
    start(primaryDir, ports.primary);
    await admin('primary', `CREATE DATABASE ${database}`);
    run('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(ports.primary),
      '-U',
      'postgres',
      '-D',
      standbyDir,
      '-R',
      '-X',
      'stream',
      // An immediate checkpoint: the default spreads it over minutes. No fsync: a throwaway copy.
      '--checkpoint=fast',
      '--no-sync',
    ]);
    start(standbyDir, ports.standby);
    const caughtUp = async (timeoutMs = 30_000): Promise<void> => {
      const lsn = (await admin('primary', 'SELECT pg_current_wal_lsn()::text AS l')).rows[0].l as string;
      const until = Date.now() + timeoutMs;
      for (;;) {
        const r = await admin('standby', `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS ok`);
        if (r.rows[0].ok) return;
        if (Date.now() > until) throw new Error(`standby did not replay ${lsn} within ${timeoutMs} ms`);
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    await caughtUp();
    return { primaryUrl: url(ports.primary), standbyUrl: url(ports.standby), admin, caughtUp, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
