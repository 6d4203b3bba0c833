import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers/run-cli.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const ROOT = resolve(import.meta.dirname, '../..');

const waitFor = async (what: string, ok: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('stopping a run as k6 does', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'tenantops-stop-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const teardowns = (from: number) =>
    server.requests.slice(from).filter((r) => r.body === 'teardown-after-abort').length;

  // https://grafana.com/docs/k6/latest/using-k6/thresholds/#abort-a-test-when-a-threshold-is-crossed — thresholds
  // are evaluated every 2 s on samples that flow while iterations run, so a 10 s iteration does not delay the abort.
  it('aborts on an abortOnFail threshold within about 2 s, in the middle of 10 s iterations, then runs teardown', async () => {
    const from = server.requests.length;
    const exportFile = join(dir, 'long.json');
    const run = await runCli([fixture('runtime-long-iterations.js'), '--summary-export', exportFile, '--quiet'], {
      BASE_URL: server.url,
    });
    assert.equal(run.code, 99, run.stderr);
    assert.ok(run.ms < 6000, `abortOnFail should stop the run on the 2 s tick, took ${run.ms} ms`);
    assert.match(
      run.stderr,
      /level=error msg="thresholds on metrics 'checks' were crossed; at least one has abortOnFail enabled/,
    );
    const exported = JSON.parse(readFileSync(exportFile, 'utf8'));
    assert.equal(exported.metrics.iterations, undefined, 'no iteration may have finished its 10 s sleep');
    assert.equal(exported.metrics.checks.thresholds['rate>0.9'], true);
    assert.equal(teardowns(from), 1);
  });

  it('waits for delayAbortEval before aborting', async () => {
    const run = await runCli([fixture('runtime-long-iterations.js'), '--quiet'], {
      BASE_URL: server.url,
      DELAY_ABORT_EVAL: '3s',
    });
    assert.equal(run.code, 99, run.stderr);
    // The first tick after 3 s is at 4 s.
    assert.ok(run.ms >= 3500 && run.ms < 9000, `expected an abort at the 4 s tick, took ${run.ms} ms`);
  });

  const start = (env: Record<string, string>) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/tenantops'), 'load', fixture('runtime-sigint.js'), '--quiet'],
      {
        cwd: ROOT,
        env: { ...process.env, BASE_URL: server.url, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out.stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out.stderr += c));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    void exited.then(() => clearTimeout(killer));
    return { child, out, exited };
  };

  // k6 traps SIGINT and SIGTERM: the first stops the test (exit 105, ExternalAbort) and still runs teardown()
  // and the summary; a second one exits at once (internal/cmd/common.go, handleTestAbortSignals).
  // https://grafana.com/docs/k6/latest/get-started/running-k6/
  it('stops a busy iteration on SIGINT with exit 105, after teardown and the summary', async () => {
    const from = server.requests.length;
    const { child, out, exited } = start({});
    await waitFor('the first iteration', () => out.stderr.includes('iteration started'));
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 105, out.stderr);
    assert.match(out.stderr, /test run was aborted because it received a 'interrupt' signal/);
    assert.match(out.stdout, /TOTAL RESULTS/);
    assert.equal(server.requests.slice(from).filter((r) => r.body === 'teardown').length, 1);
  });

  it('exits at once with 105 on a second SIGINT, without waiting for teardown', async () => {
    const from = server.requests.length;
    const { child, out, exited } = start({ SLOW_TEARDOWN: '1' });
    await waitFor('the first iteration', () => out.stderr.includes('iteration started'));
    child.kill('SIGINT');
    await waitFor('teardown', () => server.requests.slice(from).some((r) => r.body === 'teardown'));
    const t0 = Date.now();
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 105, out.stderr);
    assert.ok(Date.now() - t0 < 5000, 'the second SIGINT must not wait for the 30 s teardown');
    assert.doesNotMatch(out.stdout, /TOTAL RESULTS/);
  });
});
