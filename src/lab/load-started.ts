import { total, sumNodeMetric } from './node-metrics.ts';
import type { ServeNode } from './serve-node.ts';

/**
 * Resolves once the app nodes have served `requests` analytics requests more than when called: only the load's
 * scenarios call /api/v1/analytics (its setup() does not), so the run is past setup and mid-test. A failure during
 * setup() aborts a k6 run, which is not what "killed mid-test" measures. After `timeoutMs` it resolves anyway.
 */
export async function scenariosUnderway(nodes: ServeNode[], requests: number, timeoutMs: number): Promise<void> {
  const count = async (): Promise<number> =>
    total(await sumNodeMetric(nodes, 'http_request_duration_seconds_count'), /route="\/api\/v1\/analytics\//);
  const start = await count();
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && (await count()) - start < requests) {
    await new Promise((r) => setTimeout(r, 200));
  }
}
