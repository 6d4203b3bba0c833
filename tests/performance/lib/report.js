import { breakpointResult } from './breakpoint.js';
import { failedChecks, tenantRows, thresholdResults } from './summary-data.js';
/** @typedef {import('./breakpoint.js').BreakpointPlan} BreakpointPlan */
/** @typedef {import('./breakpoint.js').BreakpointResult} BreakpointResult */
/** @typedef {import('./summary-data.js').SummaryCheck} SummaryCheck */
/** @typedef {import('./summary-data.js').SummaryData} SummaryData */
/** @typedef {import('./summary-data.js').TenantRow} TenantRow */
/** @typedef {import('./summary-data.js').ThresholdResult} ThresholdResult */

/**
 * @typedef {object} ReportOptions
 * @property {string} script e.g. "multi_tenant_load_test".
 * @property {string} profile
 * @property {readonly string[]} tenantLabels
 * @property {number} [tenantP95Ms] Per-tenant SLO shown in the table header.
 * @property {number} [tenantErrorRate]
 * @property {BreakpointPlan} [breakpoint]
 */

/**
 * @typedef {object} Report
 * @property {string} script
 * @property {string} profile
 * @property {string} generatedAt
 * @property {number | null} durationMs
 * @property {boolean} passed
 * @property {{ requests: number; requestsPerSecond: number | null; p95Ms: number | null; p99Ms: number | null; errorRate: number | null; checksRate: number | null; iterations: number; isolationViolations: number | null; }} totals
 * @property {{ p95Ms: number; errorRate: number }} tenantSlo
 * @property {TenantRow[]} tenants
 * @property {ThresholdResult[]} thresholds
 * @property {SummaryCheck[]} failedChecks
 * @property {BreakpointResult | null} breakpoint
 */

/**
 * @param {SummaryData} data
 * @param {ReportOptions} o
 * @returns {Report}
 */
export function buildReport(data, o) {
  const v = (/** @type {string} */ metric, /** @type {string} */ stat) => data.metrics[metric]?.values[stat] ?? null;
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

const fmtMs = (/** @type {number | null} */ x) => (x === null ? '–' : `${x.toFixed(1)} ms`);
const fmtPct = (/** @type {number | null} */ x) => (x === null ? '–' : `${(x * 100).toFixed(2)}%`);
const fmtNum = (/** @type {number | null} */ x) => (x === null ? '–' : String(Math.round(x * 10) / 10));

/**
 * @param {string[]} head
 * @param {string[][]} rows
 * @returns {string}
 */
function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => /** @type {string} */ (r[i]).length)));
  const line = (/** @type {string[]} */ cells) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(/** @type {number} */ (widths[i])) : c.padStart(/** @type {number} */ (widths[i])))).join('  ')}`.trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const isTenantThreshold = (/** @type {ThresholdResult} */ t) => /\{tenant:t\d+\}$/.test(t.metric);

/**
 * The end-of-test text: thresholds (per-tenant ones folded into the table), totals, tenants, breakpoint.
 * @param {Report} r
 * @returns {string}
 */
export function renderText(r) {
  /** @type {string[]} */
  const out = [];
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

/**
 * @typedef {object} SummaryFiles
 * @property {string} reportDir Directory for the files, relative to the working directory (it must exist).
 * @property {string} stem File name: <stem>_summary.json.
 */

/**
 * What handleSummary() returns: the text on stdout and the JSON (report + k6's data). The HTML page is the runner's
 * (`tenantops load --out html=`), which holds these tables and the charts; on k6, its web dashboard exports one.
 * @param {SummaryData} data
 * @param {ReportOptions & SummaryFiles} o
 * @returns {Record<string, string>}
 */
export function summaryOutputs(data, o) {
  const report = buildReport(data, o);
  const dir = o.reportDir === '' || o.reportDir === '.' ? '' : `${o.reportDir}/`;
  return {
    stdout: renderText(report),
    [`${dir}${o.stem}_summary.json`]: `${JSON.stringify({ report, k6: data }, null, 2)}\n`,
  };
}
