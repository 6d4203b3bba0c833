import type { MetricType } from './metric-types.ts';
import { TrendSink } from './trend-sink.ts';

/** Counter sink: k6 reports `count` and `rate` (count per second of test run). */
export class CounterSink {
  count = 0;
  add(v: number): void {
    this.count += v;
  }
}

/** Gauge sink: the last value, with min and max. */
export class GaugeSink {
  value = 0;
  min = Infinity;
  max = -Infinity;
  seen = false;
  add(v: number): void {
    this.value = v;
    this.seen = true;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
}

/** Rate sink: the share of non-zero values. k6 calls them passes and fails. */
export class RateSink {
  passes = 0;
  total = 0;
  add(v: number): void {
    this.total++;
    if (v !== 0) this.passes++;
  }
  get fails(): number {
    return this.total - this.passes;
  }
  get rate(): number {
    return this.total === 0 ? 0 : this.passes / this.total;
  }
}

export type MetricSink = CounterSink | GaugeSink | RateSink | TrendSink;

export function createSink(type: MetricType): MetricSink {
  switch (type) {
    case 'counter':
      return new CounterSink();
    case 'gauge':
      return new GaugeSink();
    case 'rate':
      return new RateSink();
    case 'trend':
      return new TrendSink();
  }
}

/** How many samples a sink has seen; k6 leaves metrics without samples out of the summary. */
export function sinkCount(sink: MetricSink): number {
  if (sink instanceof CounterSink || sink instanceof TrendSink) return sink.count;
  if (sink instanceof RateSink) return sink.total;
  return sink.seen ? 1 : 0;
}
