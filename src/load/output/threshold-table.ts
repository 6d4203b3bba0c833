import { escapeHtml } from './escape-html.ts';
import { htmlTable, type HtmlRow } from './html-table.ts';
import { thresholdCell } from './threshold-cell.ts';
import { thresholdTenant } from './tenant-rows.ts';
import type { MetricKind, ThresholdOutcome } from './threshold-outcome.ts';

/**
 * Every threshold with its observed value next to its limit. Thresholds scoped to one tenant (`{tenant:X}`) sit in
 * the per-tenant table, one row per tenant; here they are counted in one row, so a run with many tenants keeps a
 * short list.
 */
export function thresholdTable(
  thresholds: readonly ThresholdOutcome[],
  kindOf: (key: string) => MetricKind | undefined,
): string {
  const perTenant = thresholds.filter((t) => thresholdTenant(t.key) !== undefined);
  const rows: HtmlRow[] = thresholds
    .filter((t) => thresholdTenant(t.key) === undefined)
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((t) => ({
      className: t.ok ? 'ok' : 'fail',
      cells: [
        escapeHtml(t.key),
        thresholdCell(t, kindOf(t.key)),
        `<code>${escapeHtml(t.source)}</code>${t.abortOnFail ? ' <small>abortOnFail</small>' : ''}`,
      ],
    }));
  if (perTenant.length) {
    const ok = perTenant.filter((t) => t.ok).length;
    const tenants = new Set(perTenant.map((t) => thresholdTenant(t.key))).size;
    const all = ok === perTenant.length;
    rows.push({
      className: `${all ? 'ok' : 'fail'} per-tenant`,
      cells: [
        'per tenant: <code>{tenant:…}</code>',
        `<span class="threshold ${all ? 'ok' : 'fail'}"><span class="mark">${all ? '✓' : '✗'}</span> ` +
          `${ok} of ${perTenant.length} passed, ${tenants} tenants</span>`,
        '<a href="#tenants">per-tenant table</a>',
      ],
    });
  }
  if (!rows.length) return '<p>No thresholds: the run passes unless it is aborted.</p>';
  return htmlTable('thresholds', ['metric', 'observed vs limit', 'threshold as written'], rows);
}
