import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLoadPlatform, type LoadPlatform } from './load-platform.ts';
import { MULTI_TENANT_SCRIPT, runLoadScript, thresholdVerdicts, type ScriptRun } from './run-load-script.ts';

describe('scaling_breakpoint against a platform slower than its SLO (TEST-ONLY tenantDelayMs on every tenant)', () => {
  let platform: LoadPlatform;
  let run: ScriptRun;

  before(async () => {
    // Every answer takes > 2 s, so p95 > 2 s from the first stair on.
    platform = await startLoadPlatform({
      tenants: 2,
      faults: (ts) => ({ tenantDelayMs: Object.fromEntries(ts.map((t) => [String(t.id), 2100])) }),
    });
    run = await runLoadScript(MULTI_TENANT_SCRIPT, {
      BASE_URL: platform.url,
      TENANT_KEYS: platform.tenants.map((t) => t.api_key).join(','),
      PROFILE: 'smoke',
      SCENARIOS: 'scaling_breakpoint',
    });
  });
  after(async () => {
    run?.cleanup();
    await platform?.close();
  });

  it('aborts the run on the p95 threshold (abortOnFail) with exit 99', () => {
    assert.equal(run.code, 99, run.stderr.slice(-3000));
    // k6's message for an abort by threshold (internal/metrics/engine/engine.go).
    assert.match(
      run.stderr,
      /level=error msg="thresholds on metrics '[^']*http_req_duration\{scenario:scaling_breakpoint\}[^']*' were crossed; at least one has abortOnFail enabled, stopping test prematurely"/,
    );
    assert.equal(thresholdVerdicts(run).get('http_req_duration{scenario:scaling_breakpoint}: p(95)<2000'), false);
  });

  it('reports the SLO broken at the first stair, and the levels it never reached', () => {
    const b = (run.summary?.report as { breakpoint: { brokenAtVus: number; sustainedVus: number | null } }).breakpoint;
    assert.equal(b.brokenAtVus, 5);
    assert.equal(b.sustainedVus, null);
    assert.match(run.stdout, /did not hold even at the first level; broken at 5 VUs/);
  });
});
