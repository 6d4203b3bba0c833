import { join } from 'node:path';
import { spawnLabProcess, type LabProcess } from './lab-process.ts';
import { waitFor } from './wait-for.ts';

export interface ServeNode {
  name: string;
  url: string;
  /** host:port, for HAProxy and Prometheus. */
  target: string;
  process: LabProcess;
  stop(): Promise<void>;
}

export interface ServeNodeOptions {
  root: string;
  name: string;
  dbUrl: string;
  adminToken: string;
  /** A fixed port, so a restarted node keeps its place in HAProxy and Prometheus; 0 lets serve pick. */
  port?: number;
  /** Extra `serve` flags. */
  args?: string[];
  /** Extra environment (database URLs with passwords go here, never in argv). */
  env?: NodeJS.ProcessEnv;
}

/**
 * `tenantops serve` on a loopback port it picks (--port 0), with its database URL and admin token in the
 * environment, in its own process group so that kill9() is a real `kill -9` of the node.
 */
export async function startServeNode(o: ServeNodeOptions): Promise<ServeNode> {
  const args = ['serve', '--port', String(o.port ?? 0), '--host', '127.0.0.1', ...(o.args ?? [])];
  const p = spawnLabProcess(`serve ${o.name}`, join(o.root, 'bin/tenantops'), args, {
    cwd: o.root,
    env: { ...process.env, ...o.env, TENANTOPS_DB_URL: o.dbUrl, TENANTOPS_ADMIN_TOKEN: o.adminToken },
  });
  try {
    const url = await waitFor(
      `tenantops serve (${o.name}) to listen`,
      async () => {
        if (!p.running()) throw new Error(`exited: ${p.output()}`);
        return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(p.output())?.[1];
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return { name: o.name, url, target: new URL(url).host, process: p, stop: () => p.stop() };
  } catch (e) {
    await p.stop();
    throw e;
  }
}
