import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers/run-cli.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe("a VU's event loop and interrupts", () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'tenantops-event-loop-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // https://grafana.com/docs/k6/latest/javascript-api/k6-timers/ — k6's event loop ends an iteration only
  // when nothing it started is pending.
  it('finishes the timers, promise chains, async functions and async requests of an iteration before the next one', async () => {
    const from = server.requests.length;
    const exportFile = join(dir, 'event-loop.json');
    const run = await runCli([fixture('runtime-event-loop.js'), '--summary-export', exportFile, '--quiet'], {
      BASE_URL: server.url,
    });
    assert.equal(run.code, 0, run.stderr);
    const steps = server.requests
      .slice(from)
      .map((r) => new URL(r.url, server.url).searchParams)
      .map((q) => [Number(q.get('iter')), q.get('step')] as const);
    const expected = [
      'start',
      'k6-timer',
      'timeout',
      'chain',
      'async-function',
      'async-request',
      'after-async-request',
      'interval',
    ];
    for (let iter = 0; iter < 3; iter++) {
      const first = steps.findIndex(([i]) => i === iter);
      const last = steps.findLastIndex(([i]) => i === iter);
      const own = steps.slice(first, last + 1);
      assert.ok(
        own.every(([i]) => i === iter),
        `iteration ${iter} overlaps another: ${JSON.stringify(steps)}`,
      );
      assert.deepEqual(new Set(own.map(([, step]) => step)), new Set(expected), `iteration ${iter}`);
    }
    assert.ok(!steps.some(([, step]) => step === 'cancelled'), 'a cleared timer must not fire');
    const exported = JSON.parse(readFileSync(exportFile, 'utf8'));
    assert.equal(exported.metrics.iterations.count, 3);
    // Each iteration waited for its 150 ms timer.
    assert.ok(exported.metrics.iteration_duration.min >= 150, JSON.stringify(exported.metrics.iteration_duration));
  });

  // https://grafana.com/docs/k6/latest/using-k6/scenarios/concepts/graceful-stop/ — after gracefulStop the
  // iteration is interrupted, whatever it is doing.
  it('stops a busy loop at the end of gracefulStop and gives the next scenario a fresh VU', async () => {
    const from = server.requests.length;
    const run = await runCli([fixture('runtime-busy-loop.js'), '--quiet'], { BASE_URL: server.url });
    assert.equal(run.code, 0, run.stderr);
    const seen = server.requests
      .slice(from)
      .map((r) => (r.method === 'POST' ? r.body : new URL(r.url, server.url).searchParams.get('step')));
    assert.deepEqual(seen, ['stuck', 'after', 'teardown']);
    assert.ok(run.ms < 15_000, `the stuck VU must be stopped, took ${run.ms} ms`);
  });
});
