/**
 * The p-th quantile (0..1) of ascending-sorted values, as k6's TrendSink computes it:
 * linear interpolation between the two ranks around p·(n−1).
 * https://github.com/grafana/k6/blob/master/metrics/sink.go
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (n === 1) return sorted[0];
  const i = p * (n - 1);
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}
