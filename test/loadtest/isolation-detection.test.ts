import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, startLoadPlatform, type LoadPlatform } from './load-platform.ts';
import { MULTI_TENANT_SCRIPT, runLoadScript, type ScriptRun } from './run-load-script.ts';

// Platform route names (METHOD /template), as TENANTOPS_FAULTS.disableTenantFilterOn takes them: one read and one
// destructive write whose tenant filter is dropped (TEST-ONLY fault injection, src/platform/faults.ts).
const BROKEN = ['GET /api/v1/crm/contacts/:id', 'DELETE /api/v1/crm/companies/:id'];
const TENANTS = 3;

describe('tenant_isolation against a platform whose tenant filter is disabled on two routes', () => {
  let platform: LoadPlatform;
  let run: ScriptRun;

  before(async () => {
    platform = await startLoadPlatform({ faults: () => ({ disableTenantFilterOn: BROKEN }) });
    run = await runLoadScript(
      MULTI_TENANT_SCRIPT,
      {
        BASE_URL: platform.url,
        ADMIN_TOKEN,
        PROFILE: 'smoke',
        TENANTS: String(TENANTS),
        SCENARIOS: 'tenant_isolation',
      },
      { json: true },
    );
  });
  after(async () => {
    run?.cleanup();
    await platform?.close();
  });

  it('fails the run with exit 99 on the violations threshold', () => {
    assert.equal(run.code, 99, run.stderr.slice(-3000));
    const v = run.exported.metrics.tenant_isolation_violations;
    assert.ok(v, 'tenant_isolation_violations is in the summary export');
    assert.deepEqual(v.thresholds, { 'count==0': true }, 'count==0 failed');
  });

  it('counts exactly one violation per broken route per attacking tenant, and none on the intact routes', () => {
    // Smoke: each tenant attacks its neighbour once, so each broken route leaks once per tenant.
    assert.equal(run.exported.metrics.tenant_isolation_violations?.count, BROKEN.length * TENANTS);
    const hits = run.points.filter((p) => p.metric === 'tenant_isolation_violations' && p.data.value > 0);
    const byProbe = new Map<string, number>();
    for (const p of hits) byProbe.set(p.data.tags.probe!, (byProbe.get(p.data.tags.probe!) ?? 0) + p.data.value);
    assert.deepEqual([...byProbe].sort(), BROKEN.map((r) => [r, TENANTS]).sort());
    // Every probe reported, the intact ones with 0: the check ran on all of them.
    const probes = new Set(
      run.points.filter((p) => p.metric === 'tenant_isolation_violations').map((p) => p.data.tags.probe),
    );
    assert.ok(probes.size >= 20, `only ${probes.size} probes ran`);
    // Attacker → victim pairs cover every tenant.
    assert.deepEqual(
      new Set(hits.map((p) => `${p.data.tags.tenant}>${p.data.tags.victim}`)),
      new Set(['t1>t2', 't2>t3', 't3>t1']),
    );
  });

  it('reports the violations in the handleSummary output', () => {
    const report = run.summary?.report as { passed: boolean; totals: { isolationViolations: number } };
    assert.equal(report.passed, false);
    assert.equal(report.totals.isolationViolations, BROKEN.length * TENANTS);
    assert.match(run.stdout, /✗ tenant_isolation_violations: count==0/);
    assert.match(run.stderr, /isolation violation: t1 \(tenant \d+\) → t2/);
  });
});
