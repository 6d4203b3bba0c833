import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricEngine } from '../../src/load/metrics/metric-engine.ts';
import type { ScenarioConfig } from '../../src/load/options/scenario-config.ts';
import { BreakpointStats, plannedLevels } from '../../src/load/output/breakpoint-stats.ts';
import { formatThreshold } from '../../src/load/output/format-threshold.ts';
import { runVerdict } from '../../src/load/output/run-verdict.ts';
import { tenantRows } from '../../src/load/output/tenant-rows.ts';
import type { ThresholdOutcome } from '../../src/load/output/threshold-outcome.ts';
import { timeAxis } from '../../src/load/output/time-axis.ts';
import { parseThreshold } from '../../src/load/thresholds/parse-threshold.ts';

function threshold(key: string, source: string, o: Partial<ThresholdOutcome> = {}): ThresholdOutcome {
  const p = parseThreshold(source)!;
  return { key, source, ...p, observed: 0, ok: true, abortOnFail: false, ...o };
}

describe('the time axis', () => {
  it('puts round ticks in seconds along the whole run and ends on a tick', () => {
    assert.deepEqual(timeAxis(24.1), { max: 25, ticks: [0, 5, 10, 15, 20, 25] });
    assert.deepEqual(timeAxis(4), { max: 4, ticks: [0, 1, 2, 3, 4] });
    assert.deepEqual(timeAxis(331), { max: 360, ticks: [0, 60, 120, 180, 240, 300, 360] });
    assert.deepEqual(timeAxis(0), { max: 1, ticks: [0, 1] });
  });
});

describe('a threshold next to its limit', () => {
  it('shows time in ms on both sides', () => {
    const t = threshold('http_req_duration', 'p(95)<500', { observed: 10.44 });
    assert.deepEqual(formatThreshold(t, { type: 'trend', contains: 'time' }), {
      observed: 'p(95)=10.4 ms',
      limit: '< 500 ms',
    });
  });

  it('shows a rate as percentages on both sides, as k6 prints rates', () => {
    const t = threshold('http_req_failed', 'rate<0.01', { observed: 0.002 });
    assert.deepEqual(formatThreshold(t, { type: 'rate', contains: 'default' }), {
      observed: 'rate=0.20%',
      limit: '< 1%',
    });
    const checks = threshold('checks', 'rate>0.995', { observed: 1 });
    assert.equal(formatThreshold(checks, { type: 'rate', contains: 'default' }).limit, '> 99.5%');
  });

  it('shows counts as numbers and counter rates per second', () => {
    const count = threshold('http_reqs', 'count>0', { observed: 37 });
    assert.deepEqual(formatThreshold(count, { type: 'counter', contains: 'default' }), {
      observed: 'count=37',
      limit: '> 0',
    });
    const rate = threshold('http_reqs', 'rate>=10', { observed: 12.345 });
    assert.equal(formatThreshold(rate, { type: 'counter', contains: 'default' }).observed, 'rate=12.35/s');
  });
});

describe('the verdict', () => {
  it('is PASSED only with exit 0, no abort and every threshold passed', () => {
    const ok = threshold('http_reqs', 'count>0');
    const bad = threshold('http_req_failed', 'rate<0.01', { ok: false });
    assert.equal(runVerdict(0, undefined, [ok]).passed, true);
    assert.equal(runVerdict(0, undefined, []).passed, true);
    assert.deepEqual(runVerdict(99, undefined, [ok, bad]), { passed: false, failed: [bad], total: 2 });
    assert.equal(runVerdict(105, 'interrupted by signal', [ok]).passed, false);
  });
});

describe('the per-tenant rows', () => {
  it('list every tagged tenant and every tenant a threshold names, idle ones failing, with ids from setup()', () => {
    const rows = tenantRows(
      [
        { tenant: 'all', requests: 900, p95Ms: 40, errorRate: 0 },
        { tenant: 't10', requests: 5, p95Ms: 12, errorRate: 0 },
        { tenant: 't2', requests: 7, p95Ms: 9, errorRate: 0 },
      ],
      [
        threshold('http_reqs{tenant:t2}', 'count>0', { observed: 7 }),
        threshold('http_reqs{tenant:t10}', 'count>0', { observed: 5 }),
        threshold('http_reqs{tenant:t3}', 'count>0', { observed: 0, ok: false }),
        threshold('http_req_duration{tenant:t2,scenario:x}', 'p(95)<500'),
      ],
      { tenants: [{ label: 't2', id: 42 }] },
    );
    assert.deepEqual(
      rows.map((r) => [r.tenant, r.id, r.requests, r.ok, r.thresholds.length]),
      [
        ['t2', '42', 7, true, 1],
        ['t3', null, 0, false, 1],
        ['t10', null, 5, true, 1],
        ['all', null, 900, null, 0],
      ],
    );
  });
});

describe('the breakpoint figures', () => {
  it('make one level of a ramp and the hold after it, and keep a ramp down apart', () => {
    const stages = [
      { duration: 2000, target: 5 },
      { duration: 3000, target: 5 },
      { duration: 2000, target: 10 },
      { duration: 3000, target: 10 },
      { duration: 0, target: 20 },
      { duration: 1000, target: 0 },
    ];
    assert.deepEqual(plannedLevels(stages), [
      { target: 5, fromMs: 0, toMs: 5000 },
      { target: 10, fromMs: 5000, toMs: 10_000 },
      { target: 0, fromMs: 10_000, toMs: 11_000 },
    ]);
  });

  it('judge each level alone by the abortOnFail thresholds that apply to the scenario', () => {
    const engine = new MetricEngine();
    const reqs = engine.define('http_reqs', 'counter');
    const duration = engine.define('http_req_duration', 'trend', 'time');
    const failed = engine.define('http_req_failed', 'rate');
    const ramp: ScenarioConfig = {
      name: 'ramp',
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: 1000, target: 5 },
        { duration: 1000, target: 10 },
        { duration: 1000, target: 20 },
      ],
      gracefulRampDown: 0,
      startTime: 0,
      gracefulStop: 0,
      exec: 'default',
      env: {},
      tags: {},
    };
    const steady: ScenarioConfig = { ...ramp, name: 'steady' };
    const stats = new BreakpointStats(
      [ramp, steady],
      [
        threshold('http_req_duration{scenario:ramp}', 'p(95)<100', { abortOnFail: true }),
        threshold('http_req_failed', 'rate<0.1', { abortOnFail: true }),
        // Not abortOnFail, or scoped to another scenario: not the ramp's SLO.
        threshold('http_req_duration{scenario:ramp}', 'p(99)<1', {}),
        threshold('http_req_duration{scenario:other}', 'p(95)<1', { abortOnFail: true }),
      ],
      10_000,
    );
    stats.scenarioStarted('ramp', 12_000);
    const request = (at: number, ms: number, fail: boolean, scenario = 'ramp') => {
      const tags = { scenario };
      stats.listener(reqs, 1, tags, at);
      stats.listener(duration, ms, tags, at);
      stats.listener(failed, fail ? 1 : 0, tags, at);
    };
    for (let i = 0; i < 10; i++) request(12_000 + i * 50, 20, false); // level 5: fast
    for (let i = 0; i < 10; i++) request(13_000 + i * 50, 30, i === 0); // level 10: 10 % failed, fast
    request(13_500, 5000, true, 'other'); // another scenario's sample changes nothing
    // Level 20 never ran: the run stopped at 13.5 s.
    const [table, ...rest] = stats.tables();
    assert.equal(rest.length, 1, 'steady is a ramp too, covered by the unscoped abortOnFail threshold');
    assert.equal(table!.scenario, 'ramp');
    assert.equal(table!.unit, 'VUs');
    assert.deepEqual(
      table!.levels.map((l) => [l.target, l.fromS, l.toS, l.requests, l.held]),
      [
        [5, 2, 3, 10, true],
        [10, 3, 4, 10, false],
        [20, 4, 5, 0, null],
      ],
    );
    const broken = table!.levels[1]!;
    assert.deepEqual(
      broken.thresholds.map((t) => [t.key, t.observed, t.ok]),
      [
        ['http_req_duration{scenario:ramp}', 30, true],
        ['http_req_failed', 0.1, false],
      ],
    );
    assert.equal(table!.sustained?.target, 5);
    assert.equal(table!.broken?.target, 10);
    // Requests per second over the time the level ran: all of level 5, the first 0.45 s of level 10.
    assert.equal(table!.levels[0]!.rps, 10);
    assert.equal(table!.levels[1]!.rps!.toFixed(2), (10 / 0.45).toFixed(2));
    assert.deepEqual(
      rest[0]!.levels.map((l) => [l.fromS, l.held]),
      [
        [null, null],
        [null, null],
        [null, null],
      ],
      'steady never started',
    );
  });
});
