import { breakpointResult, type BreakpointPlan, type BreakpointResult } from './breakpoint.ts';
import {
  failedChecks,
  tenantRows,
  thresholdResults,
  type SummaryCheck,
  type SummaryData,
  type TenantRow,
  type ThresholdResult,
} from './summary-data.ts';

export interface ReportOptions {
  /** e.g. "multi_tenant_load_test". */
  script: string;
  profile: string;
  tenantLabels: readonly string[];
  /** Per-tenant SLO shown in the table header. */
  tenantP95Ms?: number;
  tenantErrorRate?: number;
  breakpoint?: BreakpointPlan;
}

export interface Report {
  script: string;
  profile: string;
  generatedAt: string;
  durationMs: number | null;
  passed: boolean;
  totals: {
    requests: number;
    requestsPerSecond: number | null;
    p95Ms: number | null;
    p99Ms: number | null;
    errorRate: number | null;
    checksRate: number | null;
    iterations: number;
    isolationViolations: number | null;
  };
  tenantSlo: { p95Ms: number; errorRate: number };
  tenants: TenantRow[];
  thresholds: ThresholdResult[];
  failedChecks: SummaryCheck[];
  breakpoint: BreakpointResult | null;
}

export function buildReport(data: SummaryData, o: ReportOptions): Report {
  const v = (metric: string, stat: string): number | null => data.metrics[metric]?.values[stat] ?? null;
  const thresholds = thresholdResults(data);
  const durationMs = data.state?.testRunDurationMs ?? null;
  return {
    script: o.script,
    profile: o.profile,
    generatedAt: new Date().toISOString(),
    durationMs,
    passed: thresholds.every((t) => t.ok),
    totals: {
      requests: v('http_reqs', 'count') ?? 0,
      requestsPerSecond: v('http_reqs', 'rate'),
      p95Ms: v('http_req_duration', 'p(95)'),
      p99Ms: v('http_req_duration', 'p(99)'),
      errorRate: v('http_req_failed', 'rate'),
      checksRate: v('checks', 'rate'),
      iterations: v('iterations', 'count') ?? 0,
      isolationViolations: v('tenant_isolation_violations', 'count'),
    },
    tenantSlo: { p95Ms: o.tenantP95Ms ?? 500, errorRate: o.tenantErrorRate ?? 0.01 },
    tenants: o.tenantLabels.length ? tenantRows(data, o.tenantLabels) : [],
    thresholds,
    failedChecks: failedChecks(data.root_group),
    breakpoint: o.breakpoint ? breakpointResult(data, o.breakpoint) : null,
  };
}

const fmtMs = (x: number | null): string => (x === null ? '–' : `${x.toFixed(1)} ms`);
const fmtPct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(2)}%`);
const fmtNum = (x: number | null): string => (x === null ? '–' : String(Math.round(x * 10) / 10));

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const isTenantThreshold = (t: ThresholdResult): boolean => /\{tenant:t\d+\}$/.test(t.metric);

/** The end-of-test text: thresholds (per-tenant ones folded into the table), totals, tenants, breakpoint. */
export function renderText(r: Report): string {
  const out: string[] = [];
  out.push('', `${r.script} (profile ${r.profile}): ${r.passed ? 'PASSED' : 'FAILED'}`, '');
  out.push('THRESHOLDS');
  for (const t of r.thresholds.filter((x) => !isTenantThreshold(x) || !x.ok)) {
    out.push(`  ${t.ok ? '✓' : '✗'} ${t.metric}: ${t.expression}`);
  }
  const tenantThresholds = r.thresholds.filter(isTenantThreshold);
  if (tenantThresholds.length) {
    const ok = r.tenants.filter((t) => t.ok).length;
    out.push(
      `  ${ok === r.tenants.length ? '✓' : '✗'} per-tenant thresholds: ${ok} of ${r.tenants.length} tenants pass`,
    );
  }
  const x = r.totals;
  out.push('', 'TOTALS (setup and teardown requests included)');
  out.push(
    `  requests ${x.requests} (${fmtNum(x.requestsPerSecond)}/s)  p95 ${fmtMs(x.p95Ms)}  p99 ${fmtMs(x.p99Ms)}  ` +
      `failed ${fmtPct(x.errorRate)}  checks ${fmtPct(x.checksRate)}  iterations ${x.iterations}` +
      (x.isolationViolations === null ? '' : `  isolation violations ${x.isolationViolations}`),
  );
  if (r.tenants.length) {
    out.push(
      '',
      `PER TENANT (SLO: p95 < ${r.tenantSlo.p95Ms} ms, failed < ${fmtPct(r.tenantSlo.errorRate)}, requests > 0)`,
    );
    out.push(
      table(
        ['tenant', 'id', 'requests', 'p95', 'failed', 'result'],
        r.tenants.map((t) => [
          t.label,
          t.id === null ? '–' : String(t.id),
          String(t.requests),
          fmtMs(t.p95Ms),
          fmtPct(t.errorRate),
          t.ok ? 'pass' : 'FAIL',
        ]),
      ),
    );
  }
  if (r.breakpoint) {
    const b = r.breakpoint;
    out.push('', 'SCALING BREAKPOINT (stair-step ramp; each level on its own)');
    out.push(
      table(
        ['VUs', 'requests', 'req/s', 'p95', 'failed', 'SLO'],
        b.levels.map((l) => [
          String(l.vus),
          String(l.requests),
          fmtNum(l.rps),
          fmtMs(l.p95Ms),
          fmtPct(l.errorRate),
          l.ok === null ? 'not run' : l.ok ? 'held' : 'BROKEN',
        ]),
      ),
    );
    out.push(`  ${b.verdict}`);
  }
  if (r.failedChecks.length) {
    out.push('', 'FAILED CHECKS');
    for (const c of r.failedChecks.slice(0, 30)) out.push(`  ✗ ${c.path}: ${c.fails} failed, ${c.passes} passed`);
  }
  out.push('');
  return out.join('\n');
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function htmlTable(head: string[], rows: { cells: string[]; bad?: boolean }[]): string {
  return (
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr${r.bad ? ' class="bad"' : ''}>${r.cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

/** A bar scaled to the limit; a value past the limit fills the cell and turns red. */
function bar(value: number | null, limit: number): string {
  if (value === null) return '–';
  const w = Math.min(100, (value / limit) * 100);
  return `<div class="bar${value >= limit ? ' over' : ''}"><span style="width:${w.toFixed(1)}%"></span></div>`;
}

/** A self-contained page (no scripts, no external files) with the same content as the text report. */
export function renderHtml(r: Report): string {
  const x = r.totals;
  const parts: string[] = [];
  parts.push(
    `<h1>${esc(r.script)} <small>profile ${esc(r.profile)}</small></h1>`,
    `<p class="verdict ${r.passed ? 'ok' : 'bad'}">${r.passed ? 'PASSED' : 'FAILED'}</p>`,
    `<p>Generated ${esc(r.generatedAt)}${r.durationMs === null ? '' : `, test ran ${(r.durationMs / 1000).toFixed(1)} s`}.</p>`,
    '<h2>Totals</h2>',
    htmlTable(
      ['requests', 'req/s', 'p95', 'p99', 'failed', 'checks', 'iterations', 'isolation violations'],
      [
        {
          cells: [
            String(x.requests),
            fmtNum(x.requestsPerSecond),
            fmtMs(x.p95Ms),
            fmtMs(x.p99Ms),
            fmtPct(x.errorRate),
            fmtPct(x.checksRate),
            String(x.iterations),
            x.isolationViolations === null ? '–' : String(x.isolationViolations),
          ].map(esc),
          bad: (x.isolationViolations ?? 0) > 0,
        },
      ],
    ),
  );
  if (r.tenants.length) {
    parts.push(
      `<h2>Per tenant</h2><p>SLO: p95 &lt; ${r.tenantSlo.p95Ms} ms, failed &lt; ${esc(fmtPct(r.tenantSlo.errorRate))}, requests &gt; 0.</p>`,
      htmlTable(
        ['tenant', 'id', 'requests', 'p95', `p95 vs ${r.tenantSlo.p95Ms} ms`, 'failed', 'result', 'failed thresholds'],
        r.tenants.map((t) => ({
          cells: [
            esc(t.label),
            t.id === null ? '–' : String(t.id),
            String(t.requests),
            esc(fmtMs(t.p95Ms)),
            bar(t.p95Ms, r.tenantSlo.p95Ms),
            esc(fmtPct(t.errorRate)),
            t.ok ? 'pass' : '<b>FAIL</b>',
            esc(t.failed.join('; ')),
          ],
          bad: !t.ok,
        })),
      ),
    );
  }
  if (r.breakpoint) {
    const b = r.breakpoint;
    parts.push(
      '<h2>Scaling breakpoint</h2>',
      `<p>${esc(b.verdict)}</p>`,
      htmlTable(
        ['VUs', 'requests', 'req/s', 'p95', `p95 vs ${b.slo.p95Ms} ms`, 'failed', 'SLO'],
        b.levels.map((l) => ({
          cells: [
            String(l.vus),
            String(l.requests),
            esc(fmtNum(l.rps)),
            esc(fmtMs(l.p95Ms)),
            bar(l.p95Ms, b.slo.p95Ms),
            esc(fmtPct(l.errorRate)),
            l.ok === null ? 'not run' : l.ok ? 'held' : '<b>BROKEN</b>',
          ],
          bad: l.ok === false,
        })),
      ),
    );
  }
  parts.push(
    '<h2>Thresholds</h2>',
    htmlTable(
      ['', 'metric', 'threshold'],
      r.thresholds.map((t) => ({ cells: [t.ok ? '✓' : '✗', esc(t.metric), esc(t.expression)], bad: !t.ok })),
    ),
  );
  if (r.failedChecks.length) {
    parts.push(
      '<h2>Failed checks</h2>',
      htmlTable(
        ['check', 'failed', 'passed'],
        r.failedChecks.map((c) => ({ cells: [esc(c.path), String(c.fails), String(c.passes)], bad: true })),
      ),
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.script)} – ${r.passed ? 'passed' : 'FAILED'}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child,td:nth-child(2){text-align:left}tr.bad td{background:#fde8e8}
.verdict{font-weight:bold;font-size:1.2em}.verdict.ok{color:#17692b}.verdict.bad{color:#b00020}
.bar{width:12em;height:.8em;background:#eee}.bar span{display:block;height:100%;background:#3b82f6}
.bar.over span{background:#dc2626}small{color:#666;font-weight:normal}
</style></head><body>
${parts.join('\n')}
</body></html>
`;
}

export interface SummaryFiles {
  /** Directory for the files, relative to the working directory (it must exist). */
  reportDir: string;
  /** File names: <stem>_summary.json and <stem>_report.html. */
  stem: string;
}

/** What handleSummary() returns: the text on stdout, the JSON (report + k6's data) and the HTML page. */
export function summaryOutputs(data: SummaryData, o: ReportOptions & SummaryFiles): Record<string, string> {
  const report = buildReport(data, o);
  const dir = o.reportDir === '' || o.reportDir === '.' ? '' : `${o.reportDir}/`;
  return {
    stdout: renderText(report),
    [`${dir}${o.stem}_summary.json`]: `${JSON.stringify({ report, k6: data }, null, 2)}\n`,
    [`${dir}${o.stem}_report.html`]: renderHtml(report),
  };
}
