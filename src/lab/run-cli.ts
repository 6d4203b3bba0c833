import { join } from 'node:path';
import { spawnLabProcess } from './lab-process.ts';

export interface CliResult {
  code: number;
  output: string;
  ms: number;
}

/**
 * One `tenantops` command as the operator would type it, with database URLs in the environment (never argv); a
 * lab process, so an interrupt ends it too. Resolves with its exit code and its last output.
 */
export async function runCli(
  root: string,
  args: string[],
  { env = {}, timeoutMs = 300_000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  const t0 = Date.now();
  const p = spawnLabProcess(`tenantops ${args[0]}`, join(root, 'bin/tenantops'), args, {
    cwd: root,
    env: { ...process.env, ...env },
    outputLimit: 200_000,
  });
  const timer = setTimeout(() => void p.stop(5_000), timeoutMs);
  await new Promise<void>((r) => (p.running() ? p.child.once('exit', () => r()) : r()));
  clearTimeout(timer);
  const code = p.child.exitCode ?? 128;
  return { code, output: p.output(), ms: Date.now() - t0 };
}

/** runCli that insists on exit 0. */
export async function mustRunCli(root: string, args: string[], o?: Parameters<typeof runCli>[2]): Promise<CliResult> {
  const r = await runCli(root, args, o);
  if (r.code !== 0) throw new Error(`tenantops ${args.join(' ')} exited ${r.code}: ${r.output.slice(-2000)}`);
  return r;
}
