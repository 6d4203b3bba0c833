import { escapeHtml } from './escape-html.ts';
import { formatMs, formatPercent } from './format-threshold.ts';
import { htmlTable } from './html-table.ts';
import type { TenantRow } from './tenant-rows.ts';
import { thresholdCell } from './threshold-cell.ts';
import type { MetricKind } from './threshold-outcome.ts';

/** Requests, p95 and error rate per tenant, with each tenant's own thresholds and its pass/FAIL. */
export function tenantTable(rows: readonly TenantRow[], kindOf: (key: string) => MetricKind | undefined): string {
  if (!rows.length) return '<p>No request carried a <code>tenant</code> tag.</p>';
  const ids = rows.some((r) => r.id !== null);
  const head = ['tenant', ...(ids ? ['id'] : []), 'requests', 'p95', 'failed', 'result', 'thresholds'];
  return htmlTable(
    'tenants',
    head,
    rows.map((r) => ({
      className: r.ok === null ? 'none' : r.ok ? 'ok' : 'fail',
      cells: [
        escapeHtml(r.tenant),
        ...(ids ? [escapeHtml(r.id ?? '–')] : []),
        String(r.requests),
        r.p95Ms === null ? '–' : escapeHtml(formatMs(r.p95Ms)),
        r.errorRate === null ? '–' : escapeHtml(formatPercent(r.errorRate)),
        r.ok === null ? 'no thresholds' : r.ok ? 'pass' : '<b>FAIL</b>',
        r.thresholds.map((t) => thresholdCell(t, kindOf(t.key), true)).join('<br>'),
      ],
    })),
  );
}
