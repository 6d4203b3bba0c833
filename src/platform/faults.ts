import { TenantopsError } from '../errors/index.ts';

/**
 * TEST-ONLY fault injection. Never set in production: these exist to prove that the load test's checks and the
 * alerts fire. `tenantops serve` reads them only from the TENANTOPS_FAULTS environment variable (JSON), never a flag.
 */
export interface PlatformFaults {
  /** Route names ("GET /api/v1/crm/contacts/:id", or "*") whose tenant filter is skipped on reads, updates, deletes. */
  disableTenantFilterOn?: readonly string[];
  /** Extra latency in ms for the requests of one tenant, keyed by tenant id. */
  tenantDelayMs?: Readonly<Record<string, number>>;
}

export function parseFaults(json: string | undefined): PlatformFaults {
  if (!json) return {};
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new TenantopsError('TENANTOPS_E_CONFIG', 'TENANTOPS_FAULTS: not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new TenantopsError('TENANTOPS_E_CONFIG', 'TENANTOPS_FAULTS: expected a JSON object');
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'disableTenantFilterOn' && k !== 'tenantDelayMs') {
      throw new TenantopsError('TENANTOPS_E_CONFIG', `TENANTOPS_FAULTS.${k}: unknown fault`);
    }
  }
  const routes = o.disableTenantFilterOn;
  if (routes !== undefined && (!Array.isArray(routes) || routes.some((r) => typeof r !== 'string'))) {
    throw new TenantopsError(
      'TENANTOPS_E_CONFIG',
      'TENANTOPS_FAULTS.disableTenantFilterOn: expected an array of route names',
    );
  }
  const delays = o.tenantDelayMs;
  if (delays !== undefined) {
    if (typeof delays !== 'object' || delays === null || Array.isArray(delays)) {
      throw new TenantopsError('TENANTOPS_E_CONFIG', 'TENANTOPS_FAULTS.tenantDelayMs: expected {"<tenant id>": ms}');
    }
    for (const [t, ms] of Object.entries(delays)) {
      if (typeof ms !== 'number' || !(ms >= 0)) {
        throw new TenantopsError(
          'TENANTOPS_E_CONFIG',
          `TENANTOPS_FAULTS.tenantDelayMs.${t}: expected a number of ms ≥ 0`,
        );
      }
    }
  }
  return {
    disableTenantFilterOn: routes as string[] | undefined,
    tenantDelayMs: delays as Record<string, number> | undefined,
  };
}
