import { aggregate } from '../metrics/aggregate.ts';
import type { MetricEngine } from '../metrics/metric-engine.ts';
import { sinkCount, type MetricSink } from '../metrics/metric-sink.ts';
import type { MetricType } from '../metrics/metric-types.ts';
import type { ThresholdSet } from '../thresholds/threshold-set.ts';
import type { SummaryData, SummaryGroup, SummaryMetric } from './summary-data.ts';

export interface BuildSummaryInput {
  engine: MetricEngine;
  thresholds: ThresholdSet;
  rootGroup: SummaryGroup;
  trendStats: string[];
  timeUnit: string;
  durationMs: number;
  stdoutTTY: boolean;
  stderrTTY: boolean;
  noColor?: boolean;
  setupData?: unknown;
}

function values(type: MetricType, sink: MetricSink, stats: string[], durationMs: number): Record<string, number> {
  const names =
    type === 'trend'
      ? stats
      : type === 'counter'
        ? ['count', 'rate']
        : type === 'gauge'
          ? ['value', 'min', 'max']
          : ['rate', 'passes', 'fails'];
  return Object.fromEntries(names.map((n) => [n, aggregate(sink, n, durationMs) ?? 0]));
}

/** Builds the handleSummary() data: metrics with samples or thresholds, sub-metrics included. */
export function buildSummary(input: BuildSummaryInput): SummaryData {
  const metrics: Record<string, SummaryMetric> = {};
  const byKey = new Map<string, { ok: boolean; aggregation: string; expr: string }[]>();
  for (const t of input.thresholds.thresholds) {
    byKey.set(t.key, [...(byKey.get(t.key) ?? []), { ok: t.ok, aggregation: t.aggregation, expr: t.source }]);
  }
  const add = (
    key: string,
    type: MetricType,
    contains: SummaryMetric['contains'],
    sink: MetricSink,
    observed = false,
  ) => {
    const ts = byKey.get(key);
    if (!ts && !observed && sinkCount(sink) === 0) return;
    const m: SummaryMetric = { type, contains, values: values(type, sink, input.trendStats, input.durationMs) };
    if (ts) {
      m.thresholds = Object.fromEntries(ts.map((t) => [t.expr, { ok: t.ok }]));
      // The observed value of each threshold is shown next to it, even when it is not a summary stat.
      for (const t of ts) m.values[t.aggregation] ??= aggregate(sink, t.aggregation, input.durationMs) ?? 0;
    }
    metrics[key] = m;
  };
  for (const metric of input.engine.metrics.values()) {
    // A threshold on a sub-metric shows its metric too, samples or not, as k6 marks both observed.
    const parentOfThreshold = metric.submetrics.some((sub) => byKey.has(sub.name));
    add(metric.name, metric.type, metric.contains, metric.sink, parentOfThreshold);
    for (const sub of metric.submetrics) add(sub.name, metric.type, metric.contains, sub.sink);
  }
  const data: SummaryData = {
    root_group: input.rootGroup,
    options: { summaryTrendStats: input.trendStats, summaryTimeUnit: input.timeUnit, noColor: !!input.noColor },
    state: { isStdOutTTY: input.stdoutTTY, isStdErrTTY: input.stderrTTY, testRunDurationMs: input.durationMs },
    metrics,
  };
  if (input.setupData !== undefined) data.setup_data = input.setupData;
  return data;
}
