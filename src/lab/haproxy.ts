import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { spawnLabProcess, type LabProcess } from './lab-process.ts';
import { waitFor } from './wait-for.ts';

export interface HaproxyServerState {
  name: string;
  /** HAProxy's status column: UP, DOWN, "UP 1/2", MAINT… */
  status: string;
  /** Requests (sessions) the server has taken since HAProxy started. */
  total: number;
  /** Requests HAProxy retried or redispatched away from this server. */
  retries: number;
  redispatches: number;
}

export interface Haproxy {
  url: string;
  process: LabProcess;
  /** The backend servers' states from the stats page (CSV). */
  servers(): Promise<HaproxyServerState[]>;
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  dir: string;
  backends: { name: string; target: string }[];
  /** Health check interval and the failed checks that mark a server down. */
  checkInterMs?: number;
  fall?: number;
  rise?: number;
  /**
   * retry-on conn-failure empty-response with option redispatch (the default). false gives HAProxy's defaults, as
   * in a config without those lines: 3 retries on the same server, no redispatch.
   */
  retryElsewhere?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * The HAProxy config of phase 3: leastconn over the app nodes, an HTTP health check on /api/health, and a retry
 * on another server when a connection fails or a response never starts (a node killed mid-request). Only those two
 * cases are retried: a request that got any response, even a 5xx, reached the app and may have written.
 */
export function haproxyConfig(
  o: Required<Pick<HaproxyOptions, 'backends' | 'checkInterMs' | 'fall' | 'rise' | 'retryElsewhere'>> & {
    port: number;
    statsPort: number;
  },
): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    ...(o.retryElsewhere ? ['  retries 3', '  option redispatch 1'] : []),
    'frontend api',
    `  bind 127.0.0.1:${o.port}`,
    '  default_backend app',
    'backend app',
    '  balance leastconn',
    '  option httpchk GET /api/health',
    '  http-check expect status 200',
    ...(o.retryElsewhere ? ['  retry-on conn-failure empty-response'] : []),
    ...o.backends.map(
      (b) => `  server ${b.name} ${b.target} check inter ${o.checkInterMs} fall ${o.fall} rise ${o.rise}`,
    ),
    'listen stats',
    `  bind 127.0.0.1:${o.statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    '',
  ].join('\n');
}

/** HAProxy (Debian's haproxy) in the foreground, on a free loopback port, its config checked with -c first. */
export async function startHaproxy({
  dir,
  backends,
  checkInterMs = 500,
  fall = 2,
  rise = 2,
  retryElsewhere = true,
  env = process.env,
}: HaproxyOptions): Promise<Haproxy> {
  const v = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) throw new Error("haproxy not runnable; install Debian's haproxy");
  const port = await freePort();
  const statsPort = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig({ backends, checkInterMs, fall, rise, retryElsewhere, port, statsPort }));
  const check = spawnSync('haproxy', ['-c', '-q', '-f', cfg], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy -c rejected ${cfg}: ${check.stderr || check.stdout}`);
  const p = spawnLabProcess('haproxy', 'haproxy', ['-db', '-f', cfg], { env });
  const url = `http://127.0.0.1:${port}`;
  const servers = async (): Promise<HaproxyServerState[]> => {
    const csv = await (
      await fetch(`http://127.0.0.1:${statsPort}/stats;csv`, { signal: AbortSignal.timeout(3_000) })
    ).text();
    const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
    const cols = header!.split(',');
    const at = (r: string[], c: string): string => r[cols.indexOf(c)] ?? '';
    return rows
      .map((l) => l.split(','))
      .filter((r) => at(r, 'pxname') === 'app' && !['FRONTEND', 'BACKEND'].includes(at(r, 'svname')))
      .map((r) => ({
        name: at(r, 'svname'),
        status: at(r, 'status'),
        total: Number(at(r, 'stot')) || 0,
        retries: Number(at(r, 'wretr')) || 0,
        redispatches: Number(at(r, 'wredis')) || 0,
      }));
  };
  try {
    await waitFor(
      'HAProxy to see every app node up',
      async () => {
        if (!p.running()) throw new Error(`exited: ${p.output()}`);
        const s = await servers();
        return s.length === backends.length && s.every((x) => x.status === 'UP') ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  } catch (e) {
    await p.stop();
    throw e;
  }
  return { url, process: p, servers, stop: () => p.stop() };
}
