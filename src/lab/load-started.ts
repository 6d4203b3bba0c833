import type { Haproxy } from './haproxy.ts';

/**
 * Resolves once HAProxy has passed `requests` more requests than when called (the load's setup() is done and its
 * scenarios are running), or after `timeoutMs` whatever happened: the caller acts "mid-test" either way.
 */
export async function loadUnderway(haproxy: Haproxy, requests: number, timeoutMs: number): Promise<void> {
  const total = async (): Promise<number> => (await haproxy.servers().catch(() => [])).reduce((n, s) => n + s.total, 0);
  const start = await total();
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && (await total()) - start < requests) {
    await new Promise((r) => setTimeout(r, 200));
  }
}
