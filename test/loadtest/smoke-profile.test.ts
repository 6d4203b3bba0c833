import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from './run-load-script.ts';

interface Exported {
  metrics: Record<string, { thresholds?: Record<string, boolean> }>;
  root_group: { checks: Record<string, { passes: number; fails: number }> };
}

interface Report {
  passed: boolean;
  totals: { isolationViolations: number | null; checksRate: number | null };
  tenants: { label: string; id: number | null; requests: number; ok: boolean }[];
  breakpoint: { levels: { vus: number; requests: number; ok: boolean | null }[]; verdict: string } | null;
}

const failedThresholds = (e: Exported): string[] =>
  Object.entries(e.metrics).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {})
      .filter(([, failed]) => failed)
      .map(([expr]) => `${metric}: ${expr}`),
  );

describe('npm run loadtest -- --profile smoke (platform on embedded PGlite, both scripts on tenantops load)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-loadtest-smoke-'));
  let code: number | null = null;
  let stderr = '';
  const read = <T>(f: string): T => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T;

  before(async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/loadtest.ts', '--profile', 'smoke', '--tenants', '3', '--report-dir', dir],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 after stopping the platform', () => {
    assert.equal(code, 0, stderr.slice(-4000));
    assert.match(stderr, /tenantops serve: stopped/);
  });

  it('passes every threshold of the multi-tenant script, per-tenant ones included, for every tenant', () => {
    const exported = read<Exported>('multi_tenant_export.json');
    assert.deepEqual(failedThresholds(exported), []);
    for (const t of ['t1', 't2', 't3']) {
      assert.deepEqual(exported.metrics[`http_req_duration{tenant:${t}}`]?.thresholds, { 'p(95)<500': false });
      assert.deepEqual(exported.metrics[`http_req_failed{tenant:${t}}`]?.thresholds, { 'rate<0.01': false });
      assert.deepEqual(exported.metrics[`http_reqs{tenant:${t}}`]?.thresholds, { 'count>0': false });
    }
    assert.deepEqual(exported.metrics.tenant_isolation_violations?.thresholds, { 'count==0': false });
  });

  it('ran every scenario: pipeline forecast checks, isolation probes and the breakpoint ramp', () => {
    const checks = read<Exported>('multi_tenant_export.json').root_group;
    const all = JSON.stringify(checks);
    // Checks are nested in groups; the names prove which scenario code ran (the host's scenarios never did).
    assert.match(all, /forecast follows the deal: moved to qualification/);
    assert.match(all, /isolation: GET \/api\/v1\/crm\/contacts\/:id answers 404/);
    assert.match(all, /agent execution finished/);
    const { report } = read<{ report: Report }>('multi_tenant_summary.json');
    assert.equal(report.passed, true);
    assert.equal(report.totals.isolationViolations, 0);
    assert.deepEqual(
      report.tenants.map((t) => [t.label, t.ok, t.requests > 0, typeof t.id]),
      [
        ['t1', true, true, 'number'],
        ['t2', true, true, 'number'],
        ['t3', true, true, 'number'],
      ],
    );
    assert.ok(report.breakpoint, 'the summary reports the breakpoint');
    assert.deepEqual(
      report.breakpoint.levels.map((l) => [l.vus, l.requests > 0, l.ok]),
      [
        [5, true, true],
        [10, true, true],
      ],
    );
    assert.match(report.breakpoint.verdict, /not reached.*10 VUs/);
  });

  it('passes the classic smoke profile of load_test.js', () => {
    assert.deepEqual(failedThresholds(read<Exported>('load_test_export.json')), []);
    assert.equal(read<{ report: Report }>('load_test_summary.json').report.passed, true);
  });

  it('writes one HTML report per script: the verdict first, the per-tenant and breakpoint tables, no second page', () => {
    for (const stem of ['multi_tenant', 'load_test']) {
      const page = readFileSync(join(dir, `${stem}_report.html`), 'utf8');
      assert.match(page, /<body>\s*<header id="verdict" class="verdict passed"[^>]*><strong>PASSED<\/strong>/, stem);
      assert.ok(!existsSync(join(dir, `${stem}_timeline.html`)), `${stem}: the runner's page is the only one`);
    }
    const multi = readFileSync(join(dir, 'multi_tenant_report.html'), 'utf8');
    for (const t of ['t1', 't2', 't3']) assert.match(multi, new RegExp(`<tr class="ok"><td>${t}</td>`), t);
    assert.match(multi, /<table id="breakpoint-scaling_breakpoint">/);
    assert.match(multi, /Breakpoint not reached: held at every level up to 10 VUs/);
    assert.match(stderr, /report: \S+multi_tenant_report\.html/);
  });
});
