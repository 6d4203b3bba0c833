/** k6's four metric types and value kinds; names match k6's JSON output and summary. */
export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type ValueKind = 'default' | 'time' | 'data';
export type Tags = Record<string, string>;

/**
 * k6's rule for a metric name (metrics/registry.go nameRegexString): 2 to 129 ASCII letters, digits or
 * underscores, not starting with a digit.
 */
export const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;
