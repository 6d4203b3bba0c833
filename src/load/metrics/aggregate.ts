import { CounterSink, GaugeSink, RateSink, type MetricSink } from './metric-sink.ts';
import { TrendSink } from './trend-sink.ts';

/**
 * One aggregation of a sink by its k6 name: count, rate, value, min, max, avg, med, passes, fails, p(N).
 * Returns undefined when the aggregation does not apply to the sink's type,
 * which the threshold validator turns into k6's "invalid threshold" error.
 */
export function aggregate(sink: MetricSink, name: string, durationMs: number): number | undefined {
  if (sink instanceof CounterSink) {
    if (name === 'count') return sink.count;
    if (name === 'rate') return durationMs > 0 ? sink.count / (durationMs / 1000) : 0;
    return undefined;
  }
  if (sink instanceof GaugeSink) {
    if (name === 'value') return sink.value;
    if (name === 'min') return sink.seen ? sink.min : 0;
    if (name === 'max') return sink.seen ? sink.max : 0;
    return undefined;
  }
  if (sink instanceof RateSink) {
    if (name === 'rate') return sink.rate;
    if (name === 'passes') return sink.passes;
    if (name === 'fails') return sink.fails;
    return undefined;
  }
  return trendAggregate(sink, name);
}

function trendAggregate(sink: TrendSink, name: string): number | undefined {
  switch (name) {
    case 'avg':
      return sink.avg;
    case 'min':
      return sink.count ? sink.min : 0;
    case 'max':
      return sink.count ? sink.max : 0;
    case 'med':
      return sink.p(0.5);
    case 'count':
      return sink.count;
    case 'sum':
      return sink.sum;
  }
  const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(name);
  if (m && Number(m[1]) <= 100) return sink.p(Number(m[1]) / 100);
  return undefined;
}
