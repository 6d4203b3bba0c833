import { formatNumber } from '../summary/format-value.ts';
import type { MetricKind, ThresholdOutcome } from './threshold-outcome.ts';

export interface ThresholdText {
  /** The observed aggregation, e.g. `p(95)=10.4 ms` or `rate=0.20%`. */
  observed: string;
  /** The operator and limit in the same unit, e.g. `< 500 ms` or `< 1%`. */
  limit: string;
}

/** Milliseconds with three significant figures or more: 0.421 ms, 4.21 ms, 42.1 ms, 421.0 ms. */
export function formatMs(ms: number): string {
  const a = Math.abs(ms);
  return `${ms.toFixed(a >= 10 ? 1 : a >= 1 ? 2 : 3)} ms`;
}

/** A share as a percentage with two decimals, as k6's summary prints rates: 0.0021 → 0.21%. */
export const formatPercent = (share: number): string => `${(share * 100).toFixed(2)}%`;

/** A limit written as a share (0.01) read as a percentage without noise: 1%, 0.5%, 99%. */
const limitPercent = (share: number): string => `${Number((share * 100).toPrecision(6))}%`;

/**
 * The observed value next to the limit, both in one unit so they compare at a glance. k6 takes limits on time
 * metrics in milliseconds and limits on rates as shares; rates are shown as percentages on both sides.
 */
export function formatThreshold(t: ThresholdOutcome, kind: MetricKind | undefined): ThresholdText {
  const agg = t.aggregation;
  let value: (v: number) => string;
  let limit: (v: number) => string;
  if (kind?.type === 'rate' && agg === 'rate') {
    value = formatPercent;
    limit = limitPercent;
  } else if (kind?.type === 'counter' && agg === 'rate') {
    value = (v) => `${formatNumber(Number(v.toFixed(2)))}/s`;
    limit = (v) => `${formatNumber(v)}/s`;
  } else if (kind?.contains === 'time' && agg !== 'count') {
    value = formatMs;
    limit = (v) => `${formatNumber(v)} ms`;
  } else if (kind?.contains === 'data') {
    value = (v) => `${formatNumber(v)} B`;
    limit = (v) => `${formatNumber(v)} B`;
  } else {
    value = (v) => formatNumber(Number(v.toFixed(4)));
    limit = formatNumber;
  }
  return { observed: `${agg}=${value(t.observed)}`, limit: `${t.operator} ${limit(t.value)}` };
}
