import type { SummaryMetric } from './summary-data.ts';

/** A number with at most `digits` decimals and no trailing zeros. */
function fixed(value: number, digits: number): string {
  return String(parseFloat(value.toFixed(digits)));
}

/** Like fixed(), but truncating rather than rounding (k6 never shows 1.00s for 999.996ms). */
function truncated(value: number, digits: number): string {
  const scale = 10 ** digits;
  return fixed(Math.trunc(value * scale) / scale, digits);
}

const UNITS: Record<string, [string, number]> = { s: ['s', 0.001], ms: ['ms', 1], us: ['µs', 1000] };

/**
 * A duration in ms as k6's summary prints it: ns, µs, ms, then s, m and h, truncated to two decimals;
 * or always in summaryTimeUnit (s, ms, us) when one is set. https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#summary-time-unit
 */
export function humanizeDuration(ms: number, timeUnit = ''): string {
  const unit = UNITS[timeUnit];
  if (unit) return `${(ms * unit[1]).toFixed(2)}${unit[0]}`;
  if (ms === 0) return '0s';
  if (ms < 0.001) return `${Math.trunc(ms * 1e6)}ns`;
  if (ms < 1) return `${truncated(ms * 1000, 2)}µs`;
  if (ms < 1000) return `${truncated(ms, 2)}ms`;
  const seconds = `${truncated((ms % 60_000) / 1000, ms > 60_000 ? 0 : 2)}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 1) return seconds;
  const hours = Math.trunc(minutes / 60);
  return `${hours < 1 ? '' : `${hours}h`}${minutes % 60}m${seconds}`;
}

/** Bytes with SI units, one decimal below 10 ("7.2 kB", "12 MB"), as k6 prints data. */
export function humanizeBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  const e = Math.floor(Math.log(bytes) / Math.log(1000));
  const value = Math.floor((bytes / 1000 ** e) * 10 + 0.5) / 10;
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[e]}`;
}

/**
 * One value of a metric as k6's end-of-test summary shows it: rates as percentages truncated to two
 * decimals (50.00%), data in bytes, times as durations, anything else with up to six decimals.
 */
export function humanizeValue(value: number, metric: Pick<SummaryMetric, 'type' | 'contains'>, timeUnit = ''): string {
  if (metric.type === 'rate') return `${(Math.trunc(value * 100 * 100) / 100).toFixed(2)}%`;
  if (metric.contains === 'data') return humanizeBytes(value);
  if (metric.contains === 'time') return humanizeDuration(value, timeUnit);
  return fixed(value, 6);
}
