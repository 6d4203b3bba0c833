/**
 * The part of k6's handleSummary() data these scripts read (@types/k6 does not describe it).
 * @typedef {object} SummaryMetric
 * @property {'counter' | 'gauge' | 'rate' | 'trend'} type
 * @property {string} contains
 * @property {Record<string, number>} values
 * @property {Record<string, { ok: boolean }>} [thresholds]
 */

/**
 * @typedef {object} SummaryCheck
 * @property {string} name
 * @property {string} path
 * @property {number} passes
 * @property {number} fails
 */

/**
 * @typedef {object} SummaryGroup
 * @property {string} name
 * @property {string} path
 * @property {SummaryGroup[]} groups
 * @property {SummaryCheck[]} checks
 */

/**
 * @typedef {object} SummaryData
 * @property {Record<string, SummaryMetric>} metrics
 * @property {SummaryGroup} root_group
 * @property {{ testRunDurationMs?: number; isStdOutTTY?: boolean }} [state]
 * @property {unknown} [setup_data]
 */

/**
 * @typedef {object} ThresholdResult
 * @property {string} metric
 * @property {string} expression
 * @property {boolean} ok
 */

/**
 * @param {SummaryData} data
 * @returns {ThresholdResult[]}
 */
export function thresholdResults(data) {
  /** @type {ThresholdResult[]} */
  const out = [];
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [expression, r] of Object.entries(m.thresholds ?? {})) out.push({ metric, expression, ok: r.ok });
  }
  return out.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
}

/**
 * Checks that failed at least once, with their group path.
 * @param {SummaryGroup | undefined} group
 * @returns {SummaryCheck[]}
 */
export function failedChecks(group) {
  if (!group) return [];
  return [...group.checks.filter((c) => c.fails > 0), ...group.groups.flatMap((g) => failedChecks(g))];
}

/**
 * @typedef {object} TenantRow
 * @property {string} label
 * @property {number | null} id The real tenant id, from setup_data when the runner provides it.
 * @property {number} requests
 * @property {number | null} p95Ms
 * @property {number | null} errorRate
 * @property {boolean} ok
 * @property {string[]} failed "http_req_duration{tenant:t2}: p(95)<500" for each threshold of this tenant that failed.
 */

export const tenantMetric = (/** @type {string} */ metric, /** @type {string} */ label) => `${metric}{tenant:${label}}`;

/**
 * One row per tenant from the per-tenant sub-metrics; a tenant whose sub-metrics are missing fails.
 * @param {SummaryData} data
 * @param {readonly string[]} labels
 * @returns {TenantRow[]}
 */
export function tenantRows(data, labels) {
  const setup = /** @type {{ tenants?: { label: string; id: number }[] } | undefined} */ (data.setup_data);
  const ids = new Map((setup?.tenants ?? []).map((t) => [t.label, t.id]));
  return labels.map((label) => {
    const reqs = data.metrics[tenantMetric('http_reqs', label)];
    const dur = data.metrics[tenantMetric('http_req_duration', label)];
    const failedRate = data.metrics[tenantMetric('http_req_failed', label)];
    /** @type {string[]} */
    const failed = [];
    for (const [name, m] of /** @type {const} */ ([
      ['http_reqs', reqs],
      ['http_req_duration', dur],
      ['http_req_failed', failedRate],
    ])) {
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
