import type { MetricType, ValueKind } from '../metrics/metric-types.ts';
import type { ThresholdOperator } from '../thresholds/parse-threshold.ts';

/** A threshold after its final evaluation, as the report shows it (ThresholdSet's Threshold has this shape). */
export interface ThresholdOutcome {
  /** The key in options.thresholds: a metric or a sub-metric selector. */
  key: string;
  /** The expression as written, e.g. `p(95)<500`. */
  source: string;
  aggregation: string;
  operator: ThresholdOperator;
  value: number;
  observed: number;
  ok: boolean;
  abortOnFail: boolean;
}

/** What the report needs to know about a threshold's metric to print its values in the right unit. */
export interface MetricKind {
  type: MetricType;
  contains: ValueKind;
}
