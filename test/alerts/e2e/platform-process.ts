import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { captureOutput, stopChild } from './child-process.ts';
import { waitFor } from './wait-for.ts';

export interface PlatformProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  root: string;
  dbUrl: string;
  adminToken: string;
  workers: number;
  poolMax: number;
  jobLatencyMs?: number;
}

/** `tenantops serve` as a separate process on a loopback port it picks itself (--port 0), as an operator runs it. */
export async function startPlatform(o: PlatformOptions): Promise<PlatformProcess> {
  const args = ['serve', '--db', o.dbUrl, '--port', '0', '--host', '127.0.0.1'];
  args.push('--workers', String(o.workers), '--pool-max', String(o.poolMax));
  if (o.jobLatencyMs !== undefined) args.push('--job-latency-ms', String(o.jobLatencyMs));
  const child = spawn(join(o.root, 'bin/tenantops'), args, {
    cwd: o.root,
    env: { ...process.env, TENANTOPS_ADMIN_TOKEN: o.adminToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captureOutput(child);
  const stop = (): Promise<void> => stopChild(child);
  try {
    const url = await waitFor(
      'tenantops serve to listen',
      async () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output()}`);
        return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output())?.[1];
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    return { url, output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
