import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers/run-cli.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface ExportedMetric {
  [k: string]: unknown;
  thresholds?: Record<string, boolean>;
}
interface ExportedGroup {
  name: string;
  path: string;
  groups: Record<string, ExportedGroup>;
  checks: Record<string, { passes: number; fails: number; path: string }>;
}
interface Exported {
  metrics: Record<string, ExportedMetric>;
  root_group: ExportedGroup;
}

describe('tenantops load end to end', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'tenantops-load-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = () => ({ BASE_URL: server.url });

  it('runs a classic sync script with groups, checks, custom metrics and sub-metric thresholds, and exits 99', async () => {
    const exportFile = join(dir, 'classic-summary.json');
    const jsonFile = join(dir, 'classic-points.ndjson');
    const run = await runCli(
      [fixture('classic.js'), '--summary-export', exportFile, '--out', `json=${jsonFile}`, '--quiet'],
      env(),
    );
    assert.equal(run.code, 99, run.stderr);
    const s = JSON.parse(readFileSync(exportFile, 'utf8')) as Exported;

    assert.equal(s.metrics.iterations.count, 10);
    assert.equal(s.metrics.http_reqs.count, 30);
    assert.equal(s.metrics['http_reqs{status:500}'].count, 10);
    assert.equal(s.metrics.orders_created.count, 20);
    assert.deepEqual([s.metrics.checks.passes, s.metrics.checks.fails], [30, 10]);
    assert.equal(s.metrics.cache_hits.value, 0.5);
    assert.equal(s.metrics.queue_depth.value, 4);
    assert.equal(s.metrics['basket_value{tenant:acme}'].med, 5.5);
    assert.ok(Math.abs((s.metrics.http_req_failed.value as number) - 1 / 3) < 1e-9);

    // k6's export marks a threshold true when it FAILED.
    assert.deepEqual(s.metrics['basket_value{tenant:acme}'].thresholds, {
      'med==5.5': false,
      'max<=10': false,
      'p(90)>100': true,
    });
    assert.deepEqual(s.metrics.checks.thresholds, { 'rate>0.99': true });
    assert.deepEqual(s.metrics['checks{check:status is 200}'].thresholds, { 'rate==1': false });
    assert.deepEqual(s.metrics.http_req_failed.thresholds, { 'rate<0.01': true });
    assert.deepEqual(s.metrics['http_reqs{status:500}'].thresholds, { 'count==10': false });
    assert.deepEqual(s.metrics.cache_hits.thresholds, { 'rate>0.9': true });
    assert.deepEqual(s.metrics['http_req_duration{group:::api}'].thresholds, { 'max<5000': false });
    assert.deepEqual(s.metrics.iterations.thresholds, { 'count==10': false });

    const api = s.root_group.groups.api;
    assert.equal(api.path, '::api');
    assert.deepEqual(api.checks['status is 200'], { ...api.checks['status is 200'], passes: 10, fails: 0 });
    assert.equal(api.groups.orders.checks.echoed.passes, 10);
    assert.equal(api.groups.orders.checks.echoed.path, '::api::orders::echoed');
    assert.equal(s.root_group.checks['body is an error'].fails, 10);

    // The text summary lists thresholds first, with a mark per threshold.
    const thresholdsAt = run.stdout.indexOf('THRESHOLDS');
    assert.ok(thresholdsAt >= 0 && thresholdsAt < run.stdout.indexOf('TOTAL RESULTS'));
    assert.match(run.stdout, /✗ 'p\(90\)>100' p\(90\)=9\.1/);
    assert.match(run.stdout, /✓ 'med==5\.5'/);

    // NDJSON points carry k6's system tags.
    const lines = readFileSync(jsonFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const points = lines.filter((l) => l.type === 'Point' && l.metric === 'http_req_duration');
    assert.equal(points.length, 30);
    const echo = points.find((p) => p.data.tags.method === 'POST');
    assert.equal(echo.data.tags.group, '::api::orders');
    assert.equal(echo.data.tags.scenario, 'shoppers');
    assert.equal(echo.data.tags.tenant, 'acme');
    assert.equal(echo.data.tags.expected_response, 'true');
    const failed = points.find((p) => p.data.tags.status === '500');
    assert.equal(failed.data.tags.error_code, '1500');
    assert.equal(failed.data.tags.expected_response, 'false');
    assert.ok(lines.some((l) => l.type === 'Metric' && l.data.name === 'basket_value' && l.data.type === 'trend'));
  });

  it('runs async default functions with asyncRequest and await', async () => {
    const before = server.requests.length;
    const exportFile = join(dir, 'async.json');
    const run = await runCli([fixture('async.js'), '--summary-export', exportFile, '--quiet'], env());
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(readFileSync(exportFile, 'utf8')) as Exported;
    assert.equal(s.metrics.http_reqs.count, 12);
    assert.deepEqual([s.metrics.checks.passes, s.metrics.checks.fails], [12, 0]);
    const bodies = server.requests
      .slice(before)
      .filter((r) => r.method === 'POST')
      .map((r) => r.body);
    assert.deepEqual(bodies, Array(4).fill('after-await'));
  });

  it('JSON-copies setup() data to every VU and to teardown()', async () => {
    const before = server.requests.length;
    const run = await runCli([fixture('setup-teardown.js'), '--quiet'], env());
    assert.equal(run.code, 0, run.stderr);
    const posts = server.requests.slice(before).filter((r) => r.method === 'POST');
    const iterations = posts.filter((r) => !r.body.includes('teardown'));
    assert.equal(iterations.length, 6);
    assert.ok(iterations.every((r) => JSON.parse(r.body).token === 'tok-true' && r.headers['x-tenant'] === 'acme'));
    const teardown = JSON.parse(posts[posts.length - 1].body);
    // VUs pushed into their copies; teardown still sees setup's data, with the Date as its JSON string.
    assert.deepEqual(teardown, {
      teardown: { token: 'tok-true', tenants: ['acme', 'globex'], when: '1970-01-01T00:00:00.000Z' },
    });
  });

  it('gives handleSummary k6-shaped data and writes what it returns (a .ts script with a relative import)', async () => {
    const file = join(dir, 'custom-summary.json');
    const run = await runCli([fixture('handle-summary.ts'), '-e', `SUMMARY_FILE=${file}`, '--quiet'], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^CUSTOM SUMMARY reqs=3\n/);
    assert.match(run.stdout, /✓ 'count>=3'/);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(data.metrics.http_reqs.type, 'counter');
    assert.equal(data.metrics.http_reqs.values.count, 3);
    assert.deepEqual(data.metrics.http_reqs.thresholds, { 'count>=3': { ok: true } });
    assert.deepEqual(Object.keys(data.metrics.http_req_duration.values), [
      'avg',
      'min',
      'med',
      'max',
      'p(90)',
      'p(95)',
    ]);
    assert.deepEqual(
      data.root_group.checks.map((c: { name: string; passes: number }) => [c.name, c.passes]),
      [['is 200', 3]],
    );
    assert.deepEqual(data.options.summaryTrendStats, ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']);
    assert.ok(data.state.testRunDurationMs > 0);
  });

  it('stops the test when an abortOnFail threshold is crossed, runs teardown, and exits 99', async () => {
    const before = server.requests.length;
    const run = await runCli([fixture('abort-on-fail.js'), '--quiet'], env());
    assert.equal(run.code, 99, run.stderr);
    assert.ok(run.ms < 10_000, `the 30 s scenario should stop after ~2-4 s, took ${run.ms} ms`);
    assert.match(run.stderr, /abortOnFail/);
    assert.ok(server.requests.slice(before).some((r) => r.body === 'teardown-after-abort'));
  });

  it('keeps a constant-arrival-rate scenario within 5% of its target rate', async () => {
    const exportFile = join(dir, 'arrival.json');
    const run = await runCli([fixture('arrival-rate.js'), '--summary-export', exportFile, '--quiet'], env());
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(readFileSync(exportFile, 'utf8')) as Exported;
    const started = (s.metrics.iterations.count as number) + ((s.metrics.dropped_iterations?.count as number) ?? 0);
    assert.ok(Math.abs(started - 180) <= 9, `expected 180 ± 5% iterations, got ${started}`);
    assert.ok(Math.abs((s.metrics.iterations.count as number) - 180) <= 9, `completed ${s.metrics.iterations.count}`);
  });

  it('exits 108 on exec.test.abort()', async () => {
    const run = await runCli([fixture('test-abort.js'), '--quiet'], env());
    assert.equal(run.code, 108, run.stderr);
    assert.match(run.stderr, /enough/);
  });

  it('exits 110 on exec.test.fail(), after the run went on to its end', async () => {
    const run = await runCli([fixture('test-fail.js'), '--quiet'], env());
    assert.equal(run.code, 110, run.stderr);
    assert.match(run.stderr, /level=error msg="test marked as failed: bad data"/);
    assert.equal(run.stderr.match(/msg="after \d"/g)?.length, 3, run.stderr);
    assert.match(run.stderr, /level=error msg="test run was marked as failed"\n/);
  });

  it('refuses an unsupported module by name with exit 107', async () => {
    const run = await runCli([fixture('unsupported-import.js'), '--quiet'], env());
    assert.equal(run.code, 107);
    assert.match(run.stderr, /unsupported module "k6\/net\/grpc"/);
  });

  it('reports init-context errors with exit 107', async () => {
    const run = await runCli([fixture('init-error.js'), '--quiet'], env());
    assert.equal(run.code, 107);
    assert.match(run.stderr, /init context.*missing-config\.json/);
  });

  it('refuses conflicting options and malformed thresholds with exit 104', async () => {
    const conflicting = await runCli([fixture('bad-options.js'), '--quiet'], env());
    assert.equal(conflicting.code, 104);
    assert.match(conflicting.stderr, /shortcut \(duration\) and "scenarios"/);
    const threshold = await runCli([fixture('bad-threshold.js'), '--quiet'], env());
    assert.equal(threshold.code, 104);
    assert.match(threshold.stderr, /invalid threshold defined on http_req_duration/);
    const flags = await runCli([fixture('classic.js'), '--vus', 'many'], env());
    assert.equal(flags.code, 104);
  });

  it('lets --iterations and --vus on the command line replace the script scenarios', async () => {
    const exportFile = join(dir, 'cli.json');
    const run = await runCli(
      [fixture('async.js'), '--vus', '1', '--iterations', '1', '--summary-export', exportFile, '--quiet'],
      env(),
    );
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(readFileSync(exportFile, 'utf8')) as Exported;
    assert.equal(s.metrics.iterations.count, 1);
  });
});
