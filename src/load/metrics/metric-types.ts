/** k6's four metric types and value kinds; names match k6's JSON output and summary. */
export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type ValueKind = 'default' | 'time' | 'data';
export type Tags = Record<string, string>;
