import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadError } from '../../src/load/load-error.ts';
import { BUILTIN_METRICS } from '../../src/load/metrics/builtin-metrics.ts';
import { MetricEngine } from '../../src/load/metrics/metric-engine.ts';
import { parseMetricSelector } from '../../src/load/metrics/parse-metric-selector.ts';
import { compareThreshold, parseThreshold } from '../../src/load/thresholds/parse-threshold.ts';
import { ThresholdSet } from '../../src/load/thresholds/threshold-set.ts';

function engine(): MetricEngine {
  const e = new MetricEngine();
  for (const [n, t, c] of BUILTIN_METRICS) e.define(n, t, c);
  return e;
}

describe('threshold parser', () => {
  it('reads every aggregation and operator of the k6 grammar', () => {
    assert.deepEqual(parseThreshold('p(95)<500'), { aggregation: 'p(95)', operator: '<', value: 500 });
    assert.deepEqual(parseThreshold(' p(99.9) <= 1.5 '), { aggregation: 'p(99.9)', operator: '<=', value: 1.5 });
    assert.deepEqual(parseThreshold('rate>=0.95'), { aggregation: 'rate', operator: '>=', value: 0.95 });
    assert.deepEqual(parseThreshold('count===10'), { aggregation: 'count', operator: '===', value: 10 });
    assert.deepEqual(parseThreshold('value == 1'), { aggregation: 'value', operator: '==', value: 1 });
    assert.deepEqual(parseThreshold('avg!=0'), { aggregation: 'avg', operator: '!=', value: 0 });
    for (const agg of ['min', 'max', 'med']) assert.equal(parseThreshold(`${agg}>-1`)?.aggregation, agg);
    assert.equal(parseThreshold('max>-1')?.value, -1);
    // Limits as Go's strconv.ParseFloat reads them in k6: 'rate<.01' is a valid k6 threshold.
    for (const [limit, value] of [
      ['.01', 0.01],
      ['+5', 5],
      ['1E3', 1000],
      ['2e+2', 200],
      ['5.', 5],
      ['Inf', Infinity],
      ['-inf', -Infinity],
    ] as const)
      assert.equal(parseThreshold(`rate<${limit}`)?.value, value, limit);
  });

  it('rejects malformed expressions', () => {
    for (const bad of [
      'p95<500',
      'p(101)<1',
      'avg<',
      'avg < x',
      'mean<1',
      'avg=<1',
      'avg<1ms',
      '',
      'AVG<1',
      'avg<.',
      'avg<1e',
    ]) {
      assert.equal(parseThreshold(bad), undefined, bad);
    }
  });

  it('compares with each operator', () => {
    assert.equal(compareThreshold(1, '<', 2), true);
    assert.equal(compareThreshold(2, '<', 2), false);
    assert.equal(compareThreshold(2, '<=', 2), true);
    assert.equal(compareThreshold(3, '>', 2), true);
    assert.equal(compareThreshold(2, '>=', 2), true);
    assert.equal(compareThreshold(2, '==', 2), true);
    assert.equal(compareThreshold(2, '===', 2), true);
    assert.equal(compareThreshold(2, '!=', 2), false);
  });

  it('parses sub-metric selectors, keeping group paths whole', () => {
    assert.deepEqual(parseMetricSelector('http_req_duration{status:200, group:::api::orders}'), {
      metric: 'http_req_duration',
      tags: [
        ['status', '200'],
        ['group', '::api::orders'],
      ],
    });
    assert.deepEqual(parseMetricSelector('checks{check:"status is 200"}')?.tags, [['check', 'status is 200']]);
    assert.equal(parseMetricSelector('http_reqs{status}'), undefined);
    assert.equal(parseMetricSelector('http_reqs{}'), undefined);
  });
});

describe('threshold evaluation', () => {
  it('evaluates trends, rates, counters, gauges and sub-metrics', () => {
    const e = engine();
    const set = new ThresholdSet(
      {
        http_req_duration: ['p(95)<400', 'avg<100', 'med==250'],
        'http_req_duration{status:500}': ['max<10'],
        http_req_failed: ['rate<0.5'],
        http_reqs: ['count==4', 'rate>1'],
        vus: ['value==7'],
      },
      e,
    );
    const d = e.metrics.get('http_req_duration');
    assert.ok(d);
    for (const [v, status] of [
      [100, '200'],
      [200, '200'],
      [300, '200'],
      [400, '500'],
    ] as const) {
      e.add(d, v, { status }, 0);
      e.add(e.metrics.get('http_reqs') as never, 1, { status }, 0);
      e.add(e.metrics.get('http_req_failed') as never, status === '500' ? 1 : 0, { status }, 0);
    }
    e.add(e.metrics.get('vus') as never, 7, {}, 0);
    const verdict = set.evaluate(2000);
    const failed = verdict.failed.map((t) => `${t.key} ${t.source} ${t.observed}`);
    // p(95) of [100,200,300,400] = 300 + 0.85·100 = 385; avg 250; med 250; the 500 sub-metric max is 400.
    assert.deepEqual(failed, ['http_req_duration avg<100 250', 'http_req_duration{status:500} max<10 400']);
    assert.equal(set.thresholds.find((t) => t.source === 'p(95)<400')?.observed, 385);
    assert.equal(set.thresholds.find((t) => t.source === 'rate>1')?.observed, 2);
    assert.equal(verdict.abortBy, undefined);
  });

  it('asks to abort only for abortOnFail thresholds past their delayAbortEval', () => {
    const e = engine();
    const set = new ThresholdSet(
      { http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '10s' }] },
      e,
    );
    e.add(e.metrics.get('http_req_failed') as never, 1, {}, 0);
    assert.equal(set.evaluate(5000, 5000).abortBy, undefined);
    assert.equal(set.evaluate(5000, 5000).failed.length, 1);
    assert.equal(set.evaluate(11_000, 11_000).abortBy?.source, 'rate<0.1');
  });

  it('refuses unknown metrics, bad expressions and aggregations that do not fit the type (exit 104)', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ nope: ['count>1'] }, /no metric name "nope"/],
      [{ http_req_duration: ['p95<1'] }, /cannot parse "p95<1"/],
      [{ http_reqs: ['avg<1'] }, /"avg" does not apply to a counter/],
      [{ checks: ['count>1'] }, /"count" does not apply to a rate/],
      [{ vus: ['p(95)<1'] }, /does not apply to a gauge/],
      [{ http_req_duration: [{ threshold: 'avg<1', delayAbortEval: 'soon' }] }, /delayAbortEval "soon"/],
    ];
    for (const [config, message] of cases) {
      assert.throws(
        () => new ThresholdSet(config, engine()),
        (err: unknown) => err instanceof LoadError && err.exitCode === 104 && message.test(err.message),
        JSON.stringify(config),
      );
    }
  });
});
