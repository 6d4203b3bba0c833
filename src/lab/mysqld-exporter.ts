import { existsSync } from 'node:fs';
import { freePort } from './free-port.ts';
import { spawnLabProcess, type LabProcess } from './lab-process.ts';
import { waitFor } from './wait-for.ts';

export const MYSQLD_EXPORTER = '/usr/bin/prometheus-mysqld-exporter';

export interface MysqldExporter {
  /** host:port to scrape. */
  target: string;
  process: LabProcess;
  stop(): Promise<void>;
}

/**
 * Debian's mysqld_exporter (0.14) for one server. Credentials come from a 0600 `.my.cnf` (--config.my-cnf), never
 * argv. slave_status is one of its default collectors: it yields mysql_slave_status_seconds_behind_master, which
 * MySQLReplicaLag reads.
 */
export async function startMysqldExporter(
  myCnf: string,
  { binary = MYSQLD_EXPORTER, env = process.env }: { binary?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<MysqldExporter> {
  if (!existsSync(binary)) throw new Error(`${binary} not found; install Debian's prometheus-mysqld-exporter`);
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const p = spawnLabProcess(
    'mysqld_exporter',
    binary,
    [`--config.my-cnf=${myCnf}`, `--web.listen-address=${target}`, '--collect.slave_status', '--log.level=warn'],
    { env },
  );
  try {
    await waitFor(
      'mysqld_exporter to report its database up',
      async () => {
        if (!p.running()) throw new Error(`exited: ${p.output()}`);
        const text = await (await fetch(`http://${target}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
        return /^mysql_up 1$/m.test(text) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  } catch (e) {
    await p.stop();
    throw e;
  }
  return { target, process: p, stop: () => p.stop() };
}
