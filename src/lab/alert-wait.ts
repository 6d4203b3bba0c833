import type { ActiveAlert, PrometheusProcess } from './prometheus-process.ts';

/**
 * Polls Prometheus until an alert named `alertname` whose labels include `labels` is firing; resolves with the
 * ms waited, or null after `timeoutMs` (a check reports that, rather than throwing).
 */
export async function waitForFiring(
  prometheus: PrometheusProcess,
  alertname: string,
  labels: Record<string, string>,
  timeoutMs: number,
): Promise<{ ms: number; alert: ActiveAlert } | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const alerts = await prometheus.alerts().catch(() => [] as ActiveAlert[]);
    const a = alerts.find(
      (x) =>
        x.state === 'firing' &&
        x.labels.alertname === alertname &&
        Object.entries(labels).every(([k, v]) => x.labels[k] === v),
    );
    if (a) return { ms: Date.now() - t0, alert: a };
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}
