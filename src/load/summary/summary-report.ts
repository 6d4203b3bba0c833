import type { SummaryData, SummaryGroup, SummaryMetric } from './summary-data.ts';

export interface ReportCheck {
  name: string;
  passes: number;
  fails: number;
}

export interface ReportThreshold {
  source: string;
  ok: boolean;
}

export type SectionName = 'http' | 'execution' | 'network' | 'browser' | 'webvitals' | 'grpc' | 'websocket' | 'custom';

/** What k6's compact end-of-test summary shows (k6's summary.Summary in compact mode). */
export interface SummaryReport {
  thresholds: Record<string, { metric: SummaryMetric; thresholds: ReportThreshold[] }>;
  /** Absent when the test made no check. */
  checks?: { metrics: Record<string, SummaryMetric>; ordered: ReportCheck[] };
  /** Metrics by section, in k6's section order. */
  metrics: Record<SectionName, Record<string, SummaryMetric>>;
}

const startsWithAny = (name: string, prefixes: string[]) => prefixes.some((p) => name.startsWith(p));

// k6 matches these by prefix (internal/output/summary/data.go), so sub-metrics follow their metric.
const HTTP = [
  'http_reqs',
  'http_req_failed',
  'http_req_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
];
const EXECUTION = ['vus', 'vus_max', 'iterations', 'iteration_duration', 'dropped_iterations'];
const NETWORK = ['data_sent', 'data_received'];
/** Left out of the compact summary: checks get their own block, and the HTTP phases are only in full mode. */
const SKIPPED = [
  'checks',
  'group_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_receiving',
  'http_req_sending',
  'http_req_tls_handshaking',
  'http_req_waiting',
];

function section(name: string): SectionName | undefined {
  if (startsWithAny(name, SKIPPED)) return undefined;
  if (startsWithAny(name, HTTP)) return 'http';
  if (startsWithAny(name, EXECUTION)) return 'execution';
  if (startsWithAny(name, NETWORK)) return 'network';
  if (name.startsWith('browser_web_vital_')) return 'webvitals';
  if (name.startsWith('browser_')) return 'browser';
  if (name.startsWith('grpc_')) return 'grpc';
  if (name.startsWith('ws_')) return 'websocket';
  return 'custom';
}

/** Checks in the order they first appear, merged by name across groups as compact mode does. */
function flatChecks(group: SummaryGroup, out: Map<string, ReportCheck>): Map<string, ReportCheck> {
  for (const c of group.checks) {
    const known = out.get(c.name);
    if (known) {
      known.passes += c.passes;
      known.fails += c.fails;
    } else out.set(c.name, { name: c.name, passes: c.passes, fails: c.fails });
  }
  for (const g of group.groups) flatChecks(g, out);
  return out;
}

/** Turns handleSummary()'s data into k6's compact report: thresholds, checks, metrics by section. */
export function summaryReport(data: SummaryData): SummaryReport {
  const report: SummaryReport = {
    thresholds: {},
    metrics: { http: {}, execution: {}, network: {}, browser: {}, webvitals: {}, grpc: {}, websocket: {}, custom: {} },
  };
  for (const [name, metric] of Object.entries(data.metrics)) {
    if (metric.thresholds) {
      report.thresholds[name] = {
        metric,
        thresholds: Object.entries(metric.thresholds).map(([source, t]) => ({ source, ok: t.ok })),
      };
    }
    const where = section(name);
    if (where) report.metrics[where][name] = metric;
  }
  const checks = data.metrics.checks;
  if (checks) {
    const passes = checks.values.passes ?? 0;
    const fails = checks.values.fails ?? 0;
    const total = passes + fails;
    const seconds = data.state.testRunDurationMs / 1000;
    report.checks = {
      metrics: {
        checks_total: {
          type: 'counter',
          contains: 'default',
          values: { count: total, rate: seconds > 0 ? total / seconds : 0 },
        },
        checks_succeeded: {
          type: 'rate',
          contains: 'default',
          values: { rate: checks.values.rate ?? 0, passes, fails },
        },
        // k6 counts the failed checks as this metric's "passes".
        checks_failed: {
          type: 'rate',
          contains: 'default',
          values: { rate: total ? fails / total : 0, passes: fails, fails: passes },
        },
      },
      ordered: [...flatChecks(data.root_group, new Map()).values()],
    };
  }
  return report;
}
