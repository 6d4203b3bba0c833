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

export interface SummaryFiles {
  /** Directory for the files, relative to the working directory (it must exist). */
  reportDir: string;
  /** File name: <stem>_summary.json. */
  stem: string;
}

/**
 * What handleSummary() returns: the text on stdout and the JSON (report + k6's data). The HTML page is the runner's
 * (`tenantops load --out html=`), which holds these tables and the charts; on k6, its web dashboard exports one.
 */
export function summaryOutputs(data: SummaryData, o: ReportOptions & SummaryFiles): Record<string, string> {
  const report = buildReport(data, o);
  const dir = o.reportDir === '' || o.reportDir === '.' ? '' : `${o.reportDir}/`;
  return {
    stdout: renderText(report),
    [`${dir}${o.stem}_summary.json`]: `${JSON.stringify({ report, k6: data }, null, 2)}\n`,
  };
}
