import type { Metric } from '../metrics/metric-engine.ts';
import { RateSink } from '../metrics/metric-sink.ts';
import type { Tags } from '../metrics/metric-types.ts';
import { TrendSink } from '../metrics/trend-sink.ts';

export interface TenantTotals {
  tenant: string;
  /** http_reqs samples with this tenant tag. */
  requests: number;
  /** null when the tenant made no request. */
  p95Ms: number | null;
  /** Share of http_req_failed samples that failed; null without samples. */
  errorRate: number | null;
}

interface Sinks {
  requests: number;
  duration: TrendSink;
  failed: RateSink;
}

/**
 * Requests, p95 and error rate per value of the `tenant` tag, over the whole run. The same samples and the same
 * percentile as a `{tenant:X}` sub-metric, so a tenant's p95 here equals its threshold's observed value; kept
 * apart because sub-metrics exist only for the tenants a script gives thresholds to.
 */
export class TenantStats {
  private readonly tenants = new Map<string, Sinks>();

  listener = (metric: Metric, value: number, tags: Tags): void => {
    const tenant = tags.tenant;
    if (tenant === undefined) return;
    const name = metric.name;
    if (name !== 'http_reqs' && name !== 'http_req_duration' && name !== 'http_req_failed') return;
    let s = this.tenants.get(tenant);
    if (!s) this.tenants.set(tenant, (s = { requests: 0, duration: new TrendSink(), failed: new RateSink() }));
    if (name === 'http_reqs') s.requests += value;
    else if (name === 'http_req_duration') s.duration.add(value);
    else s.failed.add(value);
  };

  totals(): TenantTotals[] {
    return [...this.tenants.entries()].map(([tenant, s]) => ({
      tenant,
      requests: s.requests,
      p95Ms: s.duration.count ? s.duration.p(0.95) : null,
      errorRate: s.failed.total ? s.failed.rate : null,
    }));
  }
}
