import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

export interface LoadSettings {
  root: string;
  adminToken: string;
  profile: 'smoke' | 'full';
  tenants: number;
  /** Comma-separated subset of the script's scenarios; all when absent. */
  scenarios?: string;
  /** CLEANUP=1 (default): teardown() deletes the tenants setup() created; a failed delete fails the run (exit 107). */
  cleanup?: boolean;
}

/** The figures of one run of tests/performance/multi_tenant_load_test.js, from the report its handleSummary writes. */
export interface LoadFigures {
  exitCode: number;
  passed: boolean;
  requests: number;
  failedRequests: number;
  failedRate: number;
  rps: number;
  p95Ms: number;
  tenantsPassing: number;
  tenants: number;
  /** Per tenant: label, requests, p95 ms, failed rate, ok. */
  perTenant: { label: string; requests: number; p95Ms: number | null; failedRate: number | null; ok: boolean }[];
  failedThresholds: string[];
  isolationViolations: number | null;
  durationS: number;
}

interface Report {
  passed: boolean;
  durationMs: number | null;
  totals: {
    requests: number;
    requestsPerSecond: number | null;
    p95Ms: number | null;
    errorRate: number | null;
    isolationViolations: number | null;
  };
  tenants: { label: string; requests: number; p95Ms: number | null; errorRate: number | null; ok: boolean }[];
  thresholds: { metric: string; expression: string; ok: boolean }[];
}

export const LOAD_SCRIPT = 'tests/performance/multi_tenant_load_test.js';

// Runs not yet finished: a check that fails while its load runs must not let that load spill into the next check.
const pending = new Set<Promise<unknown>>();

/** Waits until every load run started so far has ended (its outcome is the starter's business). */
export async function settleLoads(): Promise<void> {
  await Promise.allSettled([...pending]);
}

/**
 * `tenantops load` on the multi-tenant script against `baseUrl`, tenants provisioned by its setup() and removed by
 * its teardown() (CLEANUP=1), the report written to `reportDir`. Never throws for a failed run: exit 99 (thresholds
 * crossed) is a figure like any other.
 */
export function runLoad(s: LoadSettings, baseUrl: string, reportDir: string): Promise<LoadFigures> {
  const run = loadRun(s, baseUrl, reportDir);
  pending.add(run);
  void run.finally(() => pending.delete(run)).catch(() => undefined);
  return run;
}

async function loadRun(s: LoadSettings, baseUrl: string, reportDir: string): Promise<LoadFigures> {
  mkdirSync(reportDir, { recursive: true });
  const r = await runCli(s.root, ['load', LOAD_SCRIPT, '--quiet'], {
    env: {
      BASE_URL: baseUrl,
      ADMIN_TOKEN: s.adminToken,
      PROFILE: s.profile,
      TENANTS: String(s.tenants),
      REPORT_DIR: reportDir,
      CLEANUP: s.cleanup === false ? '' : '1',
      ...(s.scenarios ? { SCENARIOS: s.scenarios } : {}),
    },
    timeoutMs: 15 * 60_000,
  });
  let report: Report;
  try {
    ({ report } = JSON.parse(readFileSync(join(reportDir, 'multi_tenant_summary.json'), 'utf8')) as { report: Report });
  } catch (e) {
    throw new Error(
      `tenantops load exited ${r.code} without a report (${(e as Error).message}): ${r.output.slice(-1500)}`,
    );
  }
  const t = report.totals;
  return {
    exitCode: r.code,
    passed: report.passed && r.code === 0,
    requests: t.requests,
    failedRequests: Math.round((t.errorRate ?? 0) * t.requests),
    failedRate: t.errorRate ?? 0,
    rps: round(t.requestsPerSecond ?? 0),
    p95Ms: round(t.p95Ms ?? 0),
    tenantsPassing: report.tenants.filter((x) => x.ok).length,
    tenants: report.tenants.length,
    perTenant: report.tenants.map((x) => ({
      label: x.label,
      requests: x.requests,
      p95Ms: x.p95Ms === null ? null : round(x.p95Ms),
      failedRate: x.errorRate,
      ok: x.ok,
    })),
    failedThresholds: report.thresholds.filter((x) => !x.ok).map((x) => `${x.metric}: ${x.expression}`),
    isolationViolations: t.isolationViolations,
    durationS: round((report.durationMs ?? r.ms) / 1000),
  };
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
