import { formatTime } from '../summary/format-value.ts';
import type { SummaryData } from '../summary/summary-data.ts';
import { breakpointTable } from './breakpoint-table.ts';
import type { BreakpointTable } from './breakpoint-stats.ts';
import { chartPanels } from './chart-panels.ts';
import { escapeHtml } from './escape-html.ts';
import { failedChecks } from './failed-checks.ts';
import { formatThreshold } from './format-threshold.ts';
import { metricsTable } from './metrics-table.ts';
import { runVerdict } from './run-verdict.ts';
import { tenantRows } from './tenant-rows.ts';
import type { TenantTotals } from './tenant-stats.ts';
import { tenantTable } from './tenant-table.ts';
import type { MetricKind, ThresholdOutcome } from './threshold-outcome.ts';
import { thresholdTable } from './threshold-table.ts';
import type { TimelineData } from './timeline.ts';

export interface HtmlReportInput {
  script: string;
  /** ISO time the run started. */
  startedAt: string;
  exitCode: number;
  abortReason?: string;
  summary: SummaryData;
  /** After the final evaluation. */
  thresholds: readonly ThresholdOutcome[];
  tenants: readonly TenantTotals[];
  breakpoints: readonly BreakpointTable[];
  timeline: TimelineData;
}

/** Failed thresholds listed in the banner; the rest are in the tables below it. */
const BANNER_LIST = 10;

function banner(input: HtmlReportInput, kindOf: (key: string) => MetricKind | undefined): string {
  const v = runVerdict(input.exitCode, input.abortReason, input.thresholds);
  const facts = [
    v.total === 0
      ? 'no thresholds'
      : v.failed.length
        ? `${v.failed.length} of ${v.total} thresholds failed`
        : `all ${v.total} thresholds passed`,
    ...(input.abortReason ? [`aborted: ${input.abortReason}`] : []),
    `exit code ${input.exitCode}`,
  ];
  const list = v.failed.slice(0, BANNER_LIST).map((t) => {
    const { observed, limit } = formatThreshold(t, kindOf(t.key));
    return `<li><code>${escapeHtml(t.key)}</code> ${escapeHtml(observed)} ${escapeHtml(`(limit ${limit})`)}</li>`;
  });
  if (v.failed.length > BANNER_LIST) list.push(`<li>…and ${v.failed.length - BANNER_LIST} more below</li>`);
  return (
    `<header id="verdict" class="verdict ${v.passed ? 'passed' : 'failed'}" role="status">` +
    `<strong>${v.passed ? 'PASSED' : 'FAILED'}</strong> <span>${escapeHtml(facts.join(' · '))}</span>` +
    (list.length ? `<ul>${list.join('')}</ul>` : '') +
    '</header>'
  );
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0 24px 24px;color:#222}
.verdict{margin:0 -24px 16px;padding:14px 24px;color:#fff}.verdict strong{font-size:22px;letter-spacing:.04em;margin-right:12px}
.verdict.passed{background:#2b8a3e}.verdict.failed{background:#c92a2a}.verdict ul{margin:6px 0 0;padding-left:20px}
.verdict code{color:inherit}
h1{font-size:20px;margin:8px 0}h2{font-size:17px;margin:24px 0 6px}h3{font-size:14px;margin:4px 0}
table{border-collapse:collapse;margin:6px 0 18px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:13px;vertical-align:top}
th{background:#f6f6f6}tr.fail td{background:#fdecec}
.threshold.ok .mark{color:#2b8a3e}.threshold.fail .mark{color:#c92a2a;font-weight:bold}.observed{font-weight:600}
#charts{display:flex;flex-wrap:wrap;gap:16px}.panel{border:1px solid #ddd;border-radius:6px;padding:8px 12px}
svg.chart{max-width:100%;height:auto}svg.chart text{fill:#444}.legend span{margin-right:10px;font-size:12px}
small{color:#666}
`;

/** `--out html=FILE`: the one report of a run. Self-contained: no script, no network, charts as inline SVG. */
export function htmlReport(input: HtmlReportInput): string {
  const { summary } = input;
  const kindOf = (key: string): MetricKind | undefined => summary.metrics[key];
  const tenants = tenantRows(input.tenants, input.thresholds, summary.setup_data);
  const breakpoints = input.breakpoints.length
    ? `<h2 id="breakpoint">Breakpoint</h2>
<p>Each level is the ramp to a target and the hold after it; its requests are judged on their own by the scenario's
abortOnFail thresholds (the thresholds themselves are cumulative over the whole run).</p>
${input.breakpoints.map((b) => breakpointTable(b, kindOf)).join('\n')}`
    : '';
  // The raw series stay in the page for anyone who wants to re-plot them.
  const json = JSON.stringify(input.timeline).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tenantops load report: ${escapeHtml(input.script)}</title>
<style>${STYLE}</style></head>
<body>
${banner(input, kindOf)}
<h1>tenantops load report</h1>
<p>Script <code>${escapeHtml(input.script)}</code>, started ${escapeHtml(input.startedAt)}, ran ${escapeHtml(formatTime(summary.state.testRunDurationMs))}.
Times on the charts and in the breakpoint table are seconds from the start of the run (setup included).</p>
<h2>Thresholds</h2>
${thresholdTable(input.thresholds, kindOf)}
<h2 id="per-tenant">Per tenant</h2>
${tenantTable(tenants, kindOf)}
${breakpoints}
<h2>Charts</h2>
${chartPanels(input.timeline)}
${failedChecks(summary.root_group)}
<h2>Metrics</h2>
${metricsTable(summary)}
<script type="application/json" id="timeline">${json}</script>
</body></html>
`;
}
