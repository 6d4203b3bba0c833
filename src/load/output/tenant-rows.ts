import { parseMetricSelector } from '../metrics/parse-metric-selector.ts';
import type { TenantTotals } from './tenant-stats.ts';
import type { ThresholdOutcome } from './threshold-outcome.ts';

export interface TenantRow extends TenantTotals {
  /** The tenant's id when setup() returned `{ tenants: [{ label, id }] }`, as the multi-tenant script does. */
  id: string | null;
  /** Thresholds on `metric{tenant:X}` (the tenant tag alone). */
  thresholds: ThresholdOutcome[];
  /** null: the tenant has no thresholds of its own. */
  ok: boolean | null;
}

/** The tenant a threshold is scoped to when its selector is `{tenant:X}` and nothing else. */
export function thresholdTenant(key: string): string | undefined {
  const tags = parseMetricSelector(key)?.tags;
  return tags?.length === 1 && tags[0][0] === 'tenant' ? tags[0][1] : undefined;
}

function setupIds(setupData: unknown): Map<string, string> {
  const tenants = (setupData as { tenants?: unknown } | null | undefined)?.tenants;
  const ids = new Map<string, string>();
  if (!Array.isArray(tenants)) return ids;
  for (const t of tenants as { label?: unknown; id?: unknown }[]) {
    if (t && typeof t.label === 'string' && (typeof t.id === 'number' || typeof t.id === 'string'))
      ids.set(t.label, String(t.id));
  }
  return ids;
}

const natural = new Intl.Collator('en', { numeric: true }).compare;

/**
 * One row per tenant: every value of the `tenant` tag, and every tenant a threshold names even if it made no
 * request (an idle tenant must show up as failing, not vanish). Tenants with thresholds come first.
 */
export function tenantRows(
  totals: readonly TenantTotals[],
  thresholds: readonly ThresholdOutcome[],
  setupData?: unknown,
): TenantRow[] {
  const ids = setupIds(setupData);
  const byTenant = new Map<string, ThresholdOutcome[]>();
  for (const t of thresholds) {
    const tenant = thresholdTenant(t.key);
    if (tenant !== undefined) byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), t]);
  }
  const seen = new Map(totals.map((t) => [t.tenant, t]));
  for (const tenant of byTenant.keys()) {
    if (!seen.has(tenant)) seen.set(tenant, { tenant, requests: 0, p95Ms: null, errorRate: null });
  }
  return [...seen.values()]
    .map((t) => {
      const own = byTenant.get(t.tenant) ?? [];
      return { ...t, id: ids.get(t.tenant) ?? null, thresholds: own, ok: own.length ? own.every((x) => x.ok) : null };
    })
    .sort((a, b) => Number(a.ok === null) - Number(b.ok === null) || natural(a.tenant, b.tenant));
}
