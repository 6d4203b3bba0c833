import { LoadError } from '../load-error.ts';
import { createSink, type MetricSink } from './metric-sink.ts';
import { METRIC_NAME, type MetricType, type Tags, type ValueKind } from './metric-types.ts';
import { parseMetricSelector } from './parse-metric-selector.ts';

export interface Submetric {
  /** The selector as written, e.g. `http_req_duration{status:200}`. */
  name: string;
  suffix: string;
  tags: [string, string][];
  sink: MetricSink;
}

export interface Metric {
  name: string;
  type: MetricType;
  contains: ValueKind;
  sink: MetricSink;
  submetrics: Submetric[];
}

export type SampleListener = (metric: Metric, value: number, tags: Tags, time: number) => void;

/** k6's metric name rule (k6 ≥ 0.45 rejects others at creation). */

/** The registry of metrics with their sinks; every sample of the run passes through add(). */
export class MetricEngine {
  readonly metrics = new Map<string, Metric>();
  private readonly listeners: SampleListener[] = [];

  define(name: string, type: MetricType, contains: ValueKind = 'default'): Metric {
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type) {
        throw new LoadError(
          'TENANTOPS_E_LOAD_SCRIPT',
          `metric "${name}" is already defined as a ${existing.type}, not a ${type}; use another name`,
        );
      }
      return existing;
    }
    if (!METRIC_NAME.test(name)) {
      throw new LoadError(
        'TENANTOPS_E_LOAD_SCRIPT',
        `invalid metric name "${name}": use letters, digits and underscores (max 128)`,
      );
    }
    const metric: Metric = { name, type, contains, sink: createSink(type), submetrics: [] };
    this.metrics.set(name, metric);
    return metric;
  }

  /** Returns the sub-metric for a selector, creating it; undefined if the text is no selector. */
  submetric(selector: string): { metric: Metric; sub?: Submetric } | undefined {
    const parsed = parseMetricSelector(selector);
    if (!parsed) return undefined;
    const metric = this.metrics.get(parsed.metric);
    if (!metric) return undefined;
    if (!parsed.tags.length) return { metric };
    const name = selector.trim();
    let sub = metric.submetrics.find((s) => s.name === name);
    if (!sub) {
      const suffix = `{${parsed.tags.map(([k, v]) => `${k}:${v}`).join(',')}}`;
      sub = { name, suffix, tags: parsed.tags, sink: createSink(metric.type) };
      metric.submetrics.push(sub);
    }
    return { metric, sub };
  }

  onSample(listener: SampleListener): void {
    this.listeners.push(listener);
  }

  add(metric: Metric, value: number, tags: Tags, time: number): void {
    metric.sink.add(value);
    for (const sub of metric.submetrics) {
      if (sub.tags.every(([k, v]) => tags[k] === v)) sub.sink.add(value);
    }
    for (const listener of this.listeners) listener(metric, value, tags, time);
  }
}
