/** The part of k6's handleSummary() data these scripts read (@types/k6 does not describe it). */
export interface SummaryMetric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryCheck {
  name: string;
  path: string;
  passes: number;
  fails: number;
}

export interface SummaryGroup {
  name: string;
  path: string;
  groups: SummaryGroup[];
  checks: SummaryCheck[];
}

export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  root_group: SummaryGroup;
  state?: { testRunDurationMs?: number; isStdOutTTY?: boolean };
  setup_data?: unknown;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
}

export function thresholdResults(data: SummaryData): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [expression, r] of Object.entries(m.thresholds ?? {})) out.push({ metric, expression, ok: r.ok });
  }
  return out.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
}

/** Checks that failed at least once, with their group path. */
export function failedChecks(group: SummaryGroup | undefined): SummaryCheck[] {
  if (!group) return [];
  return [...group.checks.filter((c) => c.fails > 0), ...group.groups.flatMap((g) => failedChecks(g))];
}

export interface TenantRow {
  label: string;
  /** The real tenant id, from setup_data when the runner provides it. */
  id: number | null;
  requests: number;
  p95Ms: number | null;
  errorRate: number | null;
  ok: boolean;
  /** "http_req_duration{tenant:t2}: p(95)<500" for each threshold of this tenant that failed. */
  failed: string[];
}

export const tenantMetric = (metric: string, label: string): string => `${metric}{tenant:${label}}`;

/** One row per tenant from the per-tenant sub-metrics; a tenant whose sub-metrics are missing fails. */
export function tenantRows(data: SummaryData, labels: readonly string[]): TenantRow[] {
  const setup = data.setup_data as { tenants?: { label: string; id: number }[] } | undefined;
  const ids = new Map((setup?.tenants ?? []).map((t) => [t.label, t.id]));
  return labels.map((label) => {
    const reqs = data.metrics[tenantMetric('http_reqs', label)];
    const dur = data.metrics[tenantMetric('http_req_duration', label)];
    const failedRate = data.metrics[tenantMetric('http_req_failed', label)];
    const failed: string[] = [];
    for (const [name, m] of [
      ['http_reqs', reqs],
      ['http_req_duration', dur],
      ['http_req_failed', failedRate],
    ] as const) {
      const key = tenantMetric(name, label);
      if (!m) failed.push(`${key}: no data`);
      for (const [expr, r] of Object.entries(m?.thresholds ?? {})) if (!r.ok) failed.push(`${key}: ${expr}`);
    }
    return {
      label,
      id: ids.get(label) ?? null,
      requests: reqs?.values.count ?? 0,
      p95Ms: dur?.values['p(95)'] ?? null,
      errorRate: failedRate?.values.rate ?? null,
      ok: failed.length === 0,
      failed,
    };
  });
}
