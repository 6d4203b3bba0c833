import type { Figure } from './lab-check.ts';
import type { LoadFigures } from './load-run.ts';

/** The load run's figures as summary.json records them. */
export function loadFigures(l: LoadFigures): Record<string, Figure> {
  return {
    requests: l.requests,
    req_per_s: l.rps,
    p95_ms: l.p95Ms,
    failed_requests: l.failedRequests,
    failed_rate_pct: Math.round(l.failedRate * 10_000) / 100,
    tenants_passing_thresholds: `${l.tenantsPassing}/${l.tenants}`,
    thresholds_held: l.failedThresholds.length === 0,
    failed_thresholds: l.failedThresholds,
    isolation_violations: l.isolationViolations,
    load_exit_code: l.exitCode,
    duration_s: l.durationS,
    per_tenant: l.perTenant.map((t) => ({
      tenant: t.label,
      requests: t.requests,
      p95_ms: t.p95Ms,
      failed_pct: t.failedRate === null ? null : Math.round(t.failedRate * 10_000) / 100,
      ok: t.ok,
    })),
  };
}

/** What makes a load run fail a check that only needs it to hold: crossed thresholds, or no request at all. */
export function loadNotes(l: LoadFigures): string[] {
  const notes: string[] = [];
  if (!l.passed) notes.push(`thresholds crossed: ${l.failedThresholds.join('; ') || `exit ${l.exitCode}`}`);
  if (l.requests === 0) notes.push('no request was made');
  return notes;
}
