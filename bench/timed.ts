import { spawnSync } from 'node:child_process';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall seconds and peak RSS (KB) of a command, via GNU time. */
export function timed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): { secs: number; rssKb: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    input,
    maxBuffer: 1 << 30,
  });
  const secs = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.slice(-500)}`);
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  return { secs, rssKb, stdout: r.stdout };
}
