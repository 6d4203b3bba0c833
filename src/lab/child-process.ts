import type { ChildProcess } from 'node:child_process';

/** Ends a child we started, by its pid: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The child's output so far, kept for failure messages (bounded). */
export function captureOutput(child: ChildProcess, limit = 20_000): () => string {
  let out = '';
  const add = (b: Buffer): void => {
    out = (out + b.toString()).slice(-limit);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => out;
}
