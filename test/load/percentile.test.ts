import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentile } from '../../src/load/metrics/percentile.ts';
import { TrendSink } from '../../src/load/metrics/trend-sink.ts';

describe('percentiles as k6 computes them', () => {
  it('interpolates linearly at p·(n−1) on sorted values', () => {
    const v = [10, 20, 30, 40, 50];
    assert.equal(percentile(v, 0), 10);
    assert.equal(percentile(v, 0.5), 30);
    assert.equal(percentile(v, 1), 50);
    // p(90): rank 0.9·4 = 3.6 → 40 + 0.6·10 = 46
    assert.equal(percentile(v, 0.9), 46);
    // p(95): rank 3.8 → 48; p(99): rank 3.96 → 49.6
    assert.ok(Math.abs(percentile(v, 0.95) - 48) < 1e-9);
    assert.ok(Math.abs(percentile(v, 0.99) - 49.6) < 1e-9);
    // Even count: the median is the mean of the middle two.
    assert.equal(percentile([1, 2, 3, 4], 0.5), 2.5);
  });

  it('handles empty and single-value series as k6 does', () => {
    assert.equal(percentile([], 0.95), 0);
    assert.equal(percentile([7], 0.95), 7);
  });

  it('sorts unsorted samples in a trend sink and keeps min, max, avg', () => {
    const sink = new TrendSink();
    for (const v of [5, 1, 4, 2, 3]) sink.add(v);
    assert.equal(sink.p(0.5), 3);
    assert.equal(sink.p(0.25), 2);
    assert.equal(sink.p(0.9), 4.6);
    assert.deepEqual([sink.min, sink.max, sink.avg, sink.count], [1, 5, 3, 5]);
    sink.add(100);
    assert.equal(sink.p(1), 100);
  });

  it('grows beyond its initial capacity', () => {
    const sink = new TrendSink();
    for (let i = 3000; i >= 1; i--) sink.add(i);
    assert.equal(sink.count, 3000);
    // rank 0.5·2999 = 1499.5 → 1500.5
    assert.equal(sink.p(0.5), 1500.5);
  });
});
