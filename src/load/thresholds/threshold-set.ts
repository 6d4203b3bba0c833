import { LoadError } from '../load-error.ts';
import { aggregate } from '../metrics/aggregate.ts';
import type { MetricEngine } from '../metrics/metric-engine.ts';
import { sinkCount, type MetricSink } from '../metrics/metric-sink.ts';
import type { MetricType } from '../metrics/metric-types.ts';
import { parseDuration } from '../options/parse-duration.ts';
import { compareThreshold, parseThreshold, type ParsedThreshold } from './parse-threshold.ts';

export interface Threshold extends ParsedThreshold {
  /** The key in options.thresholds: a metric or a sub-metric selector. */
  key: string;
  source: string;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
  sink: MetricSink;
  /** The last evaluated value, and whether it passed. */
  observed: number;
  ok: boolean;
}

export interface ThresholdVerdict {
  failed: Threshold[];
  /** Set when a failed threshold has abortOnFail and its delay has passed. */
  abortBy?: Threshold;
}

const ALLOWED: Record<MetricType, RegExp> = {
  counter: /^(count|rate)$/,
  gauge: /^value$/,
  rate: /^rate$/,
  trend: /^(avg|min|max|med|p\(.*\))$/,
};

type ThresholdSpec = string | { threshold?: unknown; abortOnFail?: unknown; delayAbortEval?: unknown };

function invalid(key: string, why: string): LoadError {
  return new LoadError('TENANTOPS_E_LOAD_OPTIONS', `invalid threshold defined on ${key}: ${why}`);
}

/**
 * The thresholds of a run, bound to their metric sinks. k6 checks every threshold
 * against the metrics known after the init context, and refuses unknown metrics and
 * aggregations that do not fit the metric type (exit 104) before the test starts.
 */
export class ThresholdSet {
  readonly thresholds: Threshold[] = [];

  constructor(config: unknown, engine: MetricEngine) {
    if (config === undefined || config === null) return;
    if (typeof config !== 'object' || Array.isArray(config)) throw invalid('options', 'thresholds must be an object');
    for (const [key, raw] of Object.entries(config as Record<string, unknown>)) {
      const found = engine.submetric(key);
      if (!found) throw invalid(key, `no metric name "${key.split('{')[0].trim()}" found, or a malformed tag selector`);
      const sink = found.sub?.sink ?? found.metric.sink;
      const specs = (Array.isArray(raw) ? raw : [raw]) as ThresholdSpec[];
      for (const spec of specs) this.thresholds.push(this.build(key, spec, sink, found.metric.type));
    }
  }

  private build(key: string, spec: ThresholdSpec, sink: MetricSink, type: MetricType): Threshold {
    const obj = typeof spec === 'string' ? { threshold: spec } : spec;
    if (!obj || typeof obj !== 'object' || typeof obj.threshold !== 'string') {
      throw invalid(key, 'each threshold is a string or an object with a "threshold" string');
    }
    const parsed = parseThreshold(obj.threshold);
    if (!parsed) throw invalid(key, `cannot parse "${obj.threshold}" (expected e.g. "p(95)<500")`);
    if (!ALLOWED[type].test(parsed.aggregation)) {
      throw invalid(key, `the aggregation "${parsed.aggregation}" does not apply to a ${type} metric`);
    }
    let delay = 0;
    if (obj.delayAbortEval !== undefined) {
      const d = parseDuration(obj.delayAbortEval);
      if (d === undefined) throw invalid(key, `delayAbortEval "${String(obj.delayAbortEval)}" is not a duration`);
      delay = d;
    }
    return {
      ...parsed,
      key,
      source: obj.threshold,
      abortOnFail: obj.abortOnFail === true,
      delayAbortEvalMs: delay,
      sink,
      observed: 0,
      ok: true,
    };
  }

  /**
   * Evaluates every threshold. durationMs is the run time so far (counter rates use it);
   * elapsedMs gates abortOnFail behind delayAbortEval: k6 aborts when the threshold fails and its
   * delay is unset or shorter than the time spent in the test (metrics/thresholds.go, runAll).
   * During the run (ignoreEmpty) a metric without samples is not judged yet, as in k6's engine.
   */
  evaluate(durationMs: number, elapsedMs = durationMs, { ignoreEmpty = false } = {}): ThresholdVerdict {
    const verdict: ThresholdVerdict = { failed: [] };
    for (const t of this.thresholds) {
      if (ignoreEmpty && sinkCount(t.sink) === 0) continue;
      t.observed = aggregate(t.sink, t.aggregation, durationMs) ?? 0;
      t.ok = compareThreshold(t.observed, t.operator, t.value);
      if (t.ok) continue;
      verdict.failed.push(t);
      const due = t.delayAbortEvalMs === 0 || t.delayAbortEvalMs < elapsedMs;
      if (t.abortOnFail && due && !verdict.abortBy) verdict.abortBy = t;
    }
    return verdict;
  }

  get hasAbortOnFail(): boolean {
    return this.thresholds.some((t) => t.abortOnFail);
  }
}
