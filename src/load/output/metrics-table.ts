import { formatBytes, formatNumber, formatTime } from '../summary/format-value.ts';
import type { SummaryData, SummaryMetric } from '../summary/summary-data.ts';
import { escapeHtml } from './escape-html.ts';
import { formatPercent } from './format-threshold.ts';
import { htmlTable } from './html-table.ts';

function values(m: SummaryMetric): string {
  const fmt = (v: number) =>
    m.contains === 'time' ? formatTime(v) : m.contains === 'data' ? formatBytes(v) : formatNumber(v);
  return Object.entries(m.values)
    .map(([k, v]) => `${k}=${m.type === 'rate' && k === 'rate' ? formatPercent(v) : fmt(v)}`)
    .map(escapeHtml)
    .join(' ');
}

/** Every metric of the summary, sub-metrics included, with k6's values. */
export function metricsTable(summary: SummaryData): string {
  return htmlTable(
    'metrics',
    ['metric', 'type', 'values'],
    Object.keys(summary.metrics)
      .sort()
      .map((name) => ({
        cells: [escapeHtml(name), escapeHtml(summary.metrics[name].type), values(summary.metrics[name])],
      })),
  );
}
