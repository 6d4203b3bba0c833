import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLoadPlatform, type LoadPlatform } from './load-platform.ts';
import { MULTI_TENANT_SCRIPT, runLoadScript, thresholdVerdicts, type ScriptRun } from './run-load-script.ts';

const SLOW_MS = 600;

describe('per-tenant thresholds with one tenant made slow (TEST-ONLY tenantDelayMs)', () => {
  let platform: LoadPlatform;
  let run: ScriptRun;

  before(async () => {
    // Tenants exist before the app starts, so the fault can name t2's real id; the script gets their keys.
    platform = await startLoadPlatform({
      tenants: 3,
      faults: (ts) => ({ tenantDelayMs: { [String(ts[1]!.id)]: SLOW_MS } }),
    });
    run = await runLoadScript(MULTI_TENANT_SCRIPT, {
      BASE_URL: platform.url,
      TENANT_KEYS: platform.tenants.map((t) => t.api_key).join(','),
      PROFILE: 'smoke',
      SCENARIOS: 'tenant_api_mix',
      CLEANUP: '1',
    });
  });
  after(async () => {
    run?.cleanup();
    await platform?.close();
  });

  it('fails the run (exit 99) on the slow tenant’s latency threshold only', () => {
    assert.equal(run.code, 99, run.stderr.slice(-3000));
    const v = thresholdVerdicts(run);
    assert.equal(v.get('http_req_duration{tenant:t2}: p(95)<500'), false, 't2 (slow) fails p95');
    assert.equal(v.get('http_req_duration{tenant:t1}: p(95)<500'), true, 't1 passes p95');
    assert.equal(v.get('http_req_duration{tenant:t3}: p(95)<500'), true, 't3 passes p95');
    for (const t of ['t1', 't2', 't3']) {
      assert.equal(v.get(`http_req_failed{tenant:${t}}: rate<0.01`), true, `${t} has no failed requests`);
      assert.equal(v.get(`http_reqs{tenant:${t}}: count>0`), true, `${t} was reached`);
    }
  });

  it('names the slow tenant, with its real id, in the per-tenant table', () => {
    const report = run.summary?.report as { tenants: { label: string; id: number; ok: boolean; failed: string[] }[] };
    assert.deepEqual(
      report.tenants.map((t) => [t.label, t.id, t.ok, t.failed]),
      [
        ['t1', platform.tenants[0]!.id, true, []],
        ['t2', platform.tenants[1]!.id, false, ['http_req_duration{tenant:t2}: p(95)<500']],
        ['t3', platform.tenants[2]!.id, true, []],
      ],
    );
    assert.match(run.stdout, /^ {2}t2 +\d+ +\d+ +[\d.]+ ms +[\d.]+% +FAIL$/m);
  });

  it('CLEANUP=1 with TENANT_KEYS deletes the rows setup created, and only those', async () => {
    const q = platform.db.dialect.quoteIdent;
    for (const t of platform.tenants) {
      const rows = await platform.db.query<{ n: unknown }>(
        `SELECT COUNT(*) AS ${q('n')} FROM ${q('crm_company')} WHERE ${q('tenant_id')} = ${platform.db.dialect.param(1)}`,
        [t.id],
      );
      assert.equal(Number(rows[0]!.n), 0, `tenant ${t.id}: setup's companies are gone`);
      // Contacts written by the scenario itself stay: teardown only undoes setup.
      const contacts = await platform.db.query<{ n: unknown }>(
        `SELECT COUNT(*) AS ${q('n')} FROM ${q('crm_contact')} WHERE ${q('tenant_id')} = ${platform.db.dialect.param(1)}`,
        [t.id],
      );
      assert.ok(Number(contacts[0]!.n) > 0, `tenant ${t.id}: the scenario's contacts remain`);
    }
  });
});
