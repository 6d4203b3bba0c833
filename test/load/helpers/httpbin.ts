import { spawn } from 'node:child_process';

export interface Httpbin {
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts httpbin (Debian python3-httpbin under gunicorn) on a free loopback port: the service
 * k6's own HTTP tests run against. Resolves with a skip reason when gunicorn or httpbin is
 * missing, or fails then with TENANTOPS_REQUIRE_SERVERS=1 (CI installs both).
 */
export function startHttpbin(): Promise<Httpbin | string> {
  return new Promise((resolve, reject) => {
    const child = spawn('gunicorn', ['-b', '127.0.0.1:0', '--workers', '2', '--threads', '4', 'httpbin:app'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const unavailable = (why: string) => {
      if (process.env.TENANTOPS_REQUIRE_SERVERS === '1') reject(new Error(`TENANTOPS_REQUIRE_SERVERS=1 but ${why}`));
      else resolve(`${why}; install python3-httpbin and gunicorn, or set TENANTOPS_REQUIRE_SERVERS=1 to fail`);
    };
    child.on('error', (e) => unavailable(`gunicorn did not start (${e.message})`));
    const early = (code: number | null) =>
      unavailable(`gunicorn exited with ${code}: ${log.trim().split('\n').pop() ?? ''}`);
    child.on('exit', early);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      log += chunk;
      const m = /Listening at: (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (!m) return;
      child.off('exit', early);
      resolve({
        url: m[1],
        close: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}
