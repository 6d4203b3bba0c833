import { escapeHtml } from './escape-html.ts';
import { formatThreshold } from './format-threshold.ts';
import type { MetricKind, ThresholdOutcome } from './threshold-outcome.ts';

/** `✓ p(95)=10.4 ms < 500 ms`, marked pass or fail; the expression as written is in the tooltip. */
export function thresholdCell(t: ThresholdOutcome, kind: MetricKind | undefined, withMetric = false): string {
  const { observed, limit } = formatThreshold(t, kind);
  const metric = withMetric ? `${escapeHtml(t.key.split('{')[0])}: ` : '';
  return (
    `<span class="threshold ${t.ok ? 'ok' : 'fail'}" title="${escapeHtml(`${t.key}: ${t.source}`)}">` +
    `<span class="mark">${t.ok ? '✓' : '✗'}</span> ${metric}<span class="observed">${escapeHtml(observed)}</span> ` +
    `<span class="limit">${escapeHtml(limit)}</span></span>`
  );
}
