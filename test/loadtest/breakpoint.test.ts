import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  breakpointResult,
  levelAt,
  levelDurationMetric,
  levelFailedMetric,
  stairStages,
  type BreakpointPlan,
} from '../../tests/performance/lib/breakpoint.js';
import { tenantRows, type SummaryData, type SummaryMetric } from '../../tests/performance/lib/summary-data.js';

const plan: BreakpointPlan = {
  levels: [10, 20, 30],
  rampSeconds: 3,
  holdSeconds: 12,
  sloP95Ms: 2000,
  sloErrorRate: 0.05,
};

/** Summary data with, per level, [p95 ms, passes (failed requests), fails (ok requests)] as k6 counts a Rate. */
function data(levels: Record<number, [number, number, number]>): SummaryData {
  const metrics: Record<string, SummaryMetric> = {};
  for (const [vus, [p95, failed, ok]] of Object.entries(levels)) {
    metrics[levelDurationMetric(Number(vus))] = { type: 'trend', contains: 'time', values: { 'p(95)': p95 } };
    metrics[levelFailedMetric(Number(vus))] = {
      type: 'rate',
      contains: 'default',
      values: { rate: failed / (failed + ok), passes: failed, fails: ok },
    };
  }
  return { metrics, root_group: { name: '', path: '', groups: [], checks: [] } };
}

describe('the breakpoint of a stair-step ramp', () => {
  it('has a ramp and a hold stage per level', () => {
    assert.deepEqual(stairStages(plan), [
      { duration: '3s', target: 10 },
      { duration: '12s', target: 10 },
      { duration: '3s', target: 20 },
      { duration: '12s', target: 20 },
      { duration: '3s', target: 30 },
      { duration: '12s', target: 30 },
    ]);
  });

  it('attributes a request to the stair it runs on, the last stair after the end', () => {
    assert.deepEqual(
      [0, 14_999, 15_000, 29_999, 30_000, 45_000, 999_000].map((ms) => levelAt(plan, ms)),
      [10, 10, 20, 20, 30, 30, 30],
    );
  });

  it('is the last level under the SLO before the first one that breaks it, on latency', () => {
    const r = breakpointResult(data({ 10: [120, 0, 1500], 20: [800, 3, 2997], 30: [2600, 10, 2990] }), plan);
    assert.equal(r.sustainedVus, 20);
    assert.equal(r.sustainedRps, 200); // 3000 requests over a 15 s stair
    assert.equal(r.brokenAtVus, 30);
    assert.deepEqual(
      r.levels.map((l) => l.ok),
      [true, true, false],
    );
    assert.match(r.verdict, /held up to 20 VUs \(200 req\/s\); broken at 30 VUs \(p95 2600 ms/);
    // 20 VUs served 3000 requests in its stair, 30 VUs the same 3000: the knee is the first of the highest.
    assert.deepEqual([r.peakVus, r.peakRps], [20, 200]);
  });

  it('breaks on errors too (5 % or more failed), even with fast answers', () => {
    const r = breakpointResult(data({ 10: [50, 0, 1000], 20: [40, 60, 940] }), plan);
    assert.equal(r.sustainedVus, 10);
    assert.equal(r.brokenAtVus, 20);
    assert.match(r.verdict, /errors 6\.00%/);
  });

  it('is "not reached" when every level holds, and says so when the ramp stopped early', () => {
    const all = breakpointResult(data({ 10: [50, 0, 1000], 20: [60, 0, 2000], 30: [70, 0, 3000] }), plan);
    assert.equal(all.brokenAtVus, null);
    assert.match(all.verdict, /^breakpoint not reached: .* up to 30 VUs \(200 req\/s\); throughput peaked at 30 VUs/);
    const cut = breakpointResult(data({ 10: [50, 0, 1000] }), plan);
    assert.deepEqual(
      cut.levels.map((l) => l.ok),
      [true, null, null],
    );
    assert.match(cut.verdict, /held up to 10 VUs .* higher levels did not run/);
    assert.match(breakpointResult(data({}), plan).verdict, /made no requests/);
  });
});

describe('the per-tenant rows of the summary', () => {
  it('fail a tenant on its own failed thresholds, and a tenant with no data at all', () => {
    const m = (values: Record<string, number>, thresholds: Record<string, boolean>): SummaryMetric => ({
      type: 'trend',
      contains: 'default',
      values,
      thresholds: Object.fromEntries(Object.entries(thresholds).map(([k, ok]) => [k, { ok }])),
    });
    const d: SummaryData = {
      metrics: {
        'http_reqs{tenant:t1}': m({ count: 10 }, { 'count>0': true }),
        'http_req_duration{tenant:t1}': m({ 'p(95)': 620 }, { 'p(95)<500': false }),
        'http_req_failed{tenant:t1}': m({ rate: 0 }, { 'rate<0.01': true }),
      },
      root_group: { name: '', path: '', groups: [], checks: [] },
      setup_data: { tenants: [{ label: 't1', id: 42 }] },
    };
    const [t1, t2] = tenantRows(d, ['t1', 't2']);
    assert.deepEqual(t1, {
      label: 't1',
      id: 42,
      requests: 10,
      p95Ms: 620,
      errorRate: 0,
      ok: false,
      failed: ['http_req_duration{tenant:t1}: p(95)<500'],
    });
    assert.equal(t2!.ok, false);
    assert.equal(t2!.requests, 0);
    assert.equal(t2!.failed.length, 3);
  });
});
