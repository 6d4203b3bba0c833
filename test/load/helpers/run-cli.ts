import { Writable } from 'node:stream';
import { loadCommand } from '../../../src/cli/load-command.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

/** Runs `tenantops load ARGV` in-process, the way bin/tenantops would, and captures its output. */
export async function runCli(argv: string[], env: Record<string, string> = {}, cwd = process.cwd()): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const start = performance.now();
  const code = await loadCommand.run(
    { values: {}, positionals: [], argv },
    { stdout, stderr, stdinIsTTY: false, env: { PATH: process.env.PATH, ...env }, cwd },
  );
  return { code, stdout: stdout.text, stderr: stderr.text, ms: performance.now() - start };
}
