import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './free-port.ts';
import { spawnLabProcess, type LabProcess } from './lab-process.ts';
import { waitFor } from './wait-for.ts';

export interface MariadbPairOptions {
  /** Parent directory of the pair's own directory (datadirs, sockets, logs); removed by stop(). */
  parentDir?: string;
  database?: string;
  mariadbd?: string;
  installDb?: string;
  /** Environment of the servers (the lab marks its processes through it). */
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

export interface ReplicaStatus {
  ioRunning: boolean;
  sqlRunning: boolean;
  /** SHOW SLAVE STATUS's Seconds_Behind_Master: null while the SQL thread is stopped (MariaDB's own rule). */
  secondsBehindMaster: number | null;
  /** GTID position the replica has applied (@@gtid_slave_pos). */
  appliedGtid: string;
  lastError: string;
}

export interface MariadbPair {
  /** App user's URLs (password inside: pass them through the environment, never argv). */
  primaryUrl: string;
  replicaUrl: string;
  database: string;
  ports: { primary: number; replica: number };
  dir: string;
  /** `.my.cnf` files (mode 0600) of a monitoring user, one per server, for mysqld_exporter --config.my-cnf. */
  exporterCnf: { primary: string; replica: string };
  processes: LabProcess[];
  stopReplicaSql(): Promise<void>;
  startReplicaSql(): Promise<void>;
  replicaStatus(): Promise<ReplicaStatus>;
  /**
   * Seconds the replica is behind, measured by a heartbeat row the primary updates every 250 ms (pt-heartbeat's
   * method), so it keeps growing while the SQL thread is stopped, where Seconds_Behind_Master is NULL.
   */
  replicaLagSeconds(): Promise<number>;
  /** The primary's current GTID position (@@gtid_binlog_pos). */
  primaryGtid(): Promise<string>;
  /** Waits until the replica has applied `gtid` (default: the primary's position now); returns the ms it took. */
  waitForReplica(opts?: { gtid?: string; timeoutMs?: number }): Promise<number>;
  /** Runs SQL as the servers' root over the socket (lab set-up and damage; not for app traffic). */
  adminQuery(which: 'primary' | 'replica', sql: string, params?: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
}

interface Server {
  name: 'primary' | 'replica';
  port: number;
  socket: string;
  datadir: string;
  log: string;
  process: LabProcess;
  admin: mysql.Pool;
}

const secret = (): string => randomBytes(18).toString('hex');

function mustRun(command: string, args: string[], what: string): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error)
    throw new Error(`${what}: ${command} not runnable (${r.error.message}); install Debian's mariadb-server`);
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`);
}

function serverArgs(s: { datadir: string; port: number; socket: string; log: string }, serverId: number, dir: string) {
  return [
    '--no-defaults',
    `--datadir=${s.datadir}`,
    `--port=${s.port}`,
    '--bind-address=127.0.0.1',
    `--socket=${s.socket}`,
    `--pid-file=${s.datadir}.pid`,
    `--log-error=${s.log}`,
    `--tmpdir=${dir}`,
    '--user=root',
    '--skip-name-resolve',
    `--server-id=${serverId}`,
    `--log-bin=${s.datadir}-bin`,
    `--relay-log=${s.datadir}-relay`,
    '--binlog-format=ROW',
    '--gtid-strict-mode=ON',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_bin',
    // A lab on a shared 2-core machine: small buffers, no fsync per commit (durability is not what it measures).
    '--innodb-buffer-pool-size=96M',
    '--innodb-log-file-size=48M',
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    '--performance-schema=OFF',
    '--max-connections=300',
  ];
}

/**
 * A MariaDB primary and a GTID replica as two `mariadbd` processes with their own datadirs, loopback ports and
 * sockets under a fresh directory, separate from any MariaDB the machine already runs. The replica is read-only and
 * replicates with MASTER_USE_GTID=slave_pos; users (app, monitoring, replication) are created on the primary and
 * reach the replica through replication.
 */
export async function startMariadbPair({
  parentDir = tmpdir(),
  database = 'tenantops_lab',
  mariadbd = '/usr/sbin/mariadbd',
  installDb = 'mariadb-install-db',
  env = process.env,
  startTimeoutMs = 60_000,
}: MariadbPairOptions = {}): Promise<MariadbPair> {
  if (!/^\w+$/.test(database)) throw new Error(`database name must be a plain identifier, got "${database}"`);
  if (!existsSync(mariadbd)) throw new Error(`${mariadbd} not found; install Debian's mariadb-server`);
  const dir = mkdtempSync(join(parentDir, 'tenantops-mariadb-'));
  const servers: Server[] = [];
  const heartbeat = { timer: undefined as NodeJS.Timeout | undefined, busy: false };
  const stop = async (): Promise<void> => {
    if (heartbeat.timer) clearInterval(heartbeat.timer);
    for (const s of [...servers].reverse()) {
      await s.admin.end().catch(() => undefined);
      await s.process.stop(20_000);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One install, copied: both servers start from the same empty datadir, and the replica then replays the
    // primary's whole binlog (its GTID position starts empty).
    const template = join(dir, 'template');
    mustRun(
      installDb,
      [
        '--no-defaults',
        `--datadir=${template}`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      'mariadb-install-db',
    );
    for (const [i, name] of (['primary', 'replica'] as const).entries()) {
      const datadir = join(dir, name);
      cpSync(template, datadir, { recursive: true });
      const s = { datadir, port: await freePort(), socket: join(dir, `${name}.sock`), log: join(dir, `${name}.err`) };
      const args = serverArgs(s, i + 1, dir);
      if (name === 'replica') args.push('--read-only=ON', '--skip-slave-start');
      const process = spawnLabProcess(`mariadbd ${name}`, mariadbd, args, { env });
      const admin = mysql.createPool({
        socketPath: s.socket,
        user: 'root',
        connectionLimit: 2,
        multipleStatements: true,
      });
      servers.push({ name, ...s, process, admin });
    }
    rmSync(template, { recursive: true, force: true });
    for (const s of servers) {
      await waitFor(
        `mariadbd ${s.name} to accept connections`,
        async () => {
          if (!s.process.running()) {
            const log = existsSync(s.log) ? readFileSync(s.log, 'utf8').slice(-2000) : s.process.output();
            throw new Error(`exited: ${log}`);
          }
          await s.admin.query('SELECT 1');
          return true;
        },
        { timeoutMs: startTimeoutMs, intervalMs: 200 },
      );
    }
    const [primary, replica] = servers as [Server, Server];
    const pw = { app: secret(), exporter: secret(), repl: secret() };
    await primary.admin.query(
      [
        `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
        `CREATE USER 'tenantops'@'127.0.0.1' IDENTIFIED BY ?`,
        `GRANT ALL ON \`${database}\`.* TO 'tenantops'@'127.0.0.1'`,
        // The platform reads the replica's lag with SHOW SLAVE STATUS (MariaDB ≥ 10.5.9: SLAVE MONITOR).
        `GRANT SLAVE MONITOR ON *.* TO 'tenantops'@'127.0.0.1'`,
        // mysqld_exporter's documented grants; MariaDB 10.5+ splits REPLICATION CLIENT into BINLOG MONITOR and
        // SLAVE MONITOR, and SHOW SLAVE STATUS needs the latter.
        `CREATE USER 'exporter'@'127.0.0.1' IDENTIFIED BY ? WITH MAX_USER_CONNECTIONS 3`,
        `GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR, SELECT ON *.* TO 'exporter'@'127.0.0.1'`,
        `CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY ?`,
        `GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'`,
        // The heartbeat table sits outside the app's database: the platform's migrations and seeds never see it.
        'CREATE DATABASE lab_heartbeat',
        'CREATE TABLE lab_heartbeat.beat (id INT PRIMARY KEY, ts DATETIME(6) NOT NULL)',
        'INSERT INTO lab_heartbeat.beat VALUES (1, UTC_TIMESTAMP(6))',
      ].join(';\n'),
      [pw.app, pw.exporter, pw.repl],
    );
    await replica.admin.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='repl', ` +
        `MASTER_PASSWORD=?, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1`,
      [pw.repl],
    );
    await replica.admin.query('START SLAVE');

    const url = (s: Server): string => `mysql://tenantops:${pw.app}@127.0.0.1:${s.port}/${database}`;
    const exporterCnf = (s: Server): string => {
      const file = join(dir, `exporter-${s.name}.my.cnf`);
      writeFileSync(file, `[client]\nuser=exporter\npassword=${pw.exporter}\nhost=127.0.0.1\nport=${s.port}\n`, {
        mode: 0o600,
      });
      return file;
    };
    const replicaStatus = async (): Promise<ReplicaStatus> => {
      const [rows] = (await replica.admin.query('SHOW SLAVE STATUS')) as unknown as [Record<string, unknown>[]];
      const [pos] = (await replica.admin.query('SELECT @@gtid_slave_pos AS p')) as unknown as [{ p: string }[]];
      const r = rows[0];
      if (!r) throw new Error('the replica has no replication configured');
      const sbm = r.Seconds_Behind_Master;
      return {
        ioRunning: r.Slave_IO_Running === 'Yes',
        sqlRunning: r.Slave_SQL_Running === 'Yes',
        secondsBehindMaster: sbm === null || sbm === undefined ? null : Number(sbm),
        appliedGtid: pos[0]!.p,
        lastError: String(r.Last_SQL_Error || r.Last_IO_Error || ''),
      };
    };
    const primaryGtid = async (): Promise<string> => {
      const [rows] = (await primary.admin.query('SELECT @@gtid_binlog_pos AS p')) as unknown as [{ p: string }[]];
      return rows[0]!.p;
    };
    const waitForReplica = async ({ gtid, timeoutMs = 120_000 }: { gtid?: string; timeoutMs?: number } = {}) => {
      const target = gtid ?? (await primaryGtid());
      const t0 = Date.now();
      const [rows] = (await replica.admin.query('SELECT MASTER_GTID_WAIT(?, ?) AS r', [
        target,
        timeoutMs / 1000,
      ])) as unknown as [{ r: number }[]];
      if (Number(rows[0]!.r) !== 0) {
        const st = await replicaStatus();
        throw new Error(
          `the replica did not reach GTID ${target} within ${timeoutMs} ms (applied ${st.appliedGtid}` +
            `${st.lastError ? `; ${st.lastError}` : ''})`,
        );
      }
      return Date.now() - t0;
    };
    heartbeat.timer = setInterval(() => {
      if (heartbeat.busy) return;
      heartbeat.busy = true;
      primary.admin
        .query('UPDATE lab_heartbeat.beat SET ts = UTC_TIMESTAMP(6) WHERE id = 1')
        .catch(() => undefined)
        .finally(() => (heartbeat.busy = false));
    }, 250);
    heartbeat.timer.unref();
    await waitForReplica({ timeoutMs: 60_000 });
    return {
      primaryUrl: url(primary),
      replicaUrl: url(replica),
      database,
      ports: { primary: primary.port, replica: replica.port },
      dir,
      exporterCnf: { primary: exporterCnf(primary), replica: exporterCnf(replica) },
      processes: servers.map((s) => s.process),
      stopReplicaSql: async () => void (await replica.admin.query('STOP SLAVE SQL_THREAD')),
      startReplicaSql: async () => void (await replica.admin.query('START SLAVE SQL_THREAD')),
      replicaStatus,
      async replicaLagSeconds() {
        const [rows] = (await replica.admin.query(
          'SELECT TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) / 1e6 AS lag FROM lab_heartbeat.beat WHERE id = 1',
        )) as unknown as [{ lag: string }[]];
        // The beat is written every 250 ms: a lag below that is noise.
        return Math.max(0, Number(rows[0]!.lag) - 0.25);
      },
      primaryGtid,
      waitForReplica,
      async adminQuery(which, sql, params = []) {
        const [rows] = await (which === 'primary' ? primary : replica).admin.query(sql, params);
        return rows;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
