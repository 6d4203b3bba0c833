import type { ServeNode } from './serve-node.ts';

/**
 * The samples of one metric family summed over the app nodes, keyed by their label set as written in /metrics
 * (`{target="primary",reason="replica_lag"}`); `combine` = Math.max for gauges. A node that does not answer counts
 * as no samples.
 */
export async function sumNodeMetric(
  nodes: ServeNode[],
  name: string,
  combine: (a: number, b: number) => number = (a, b) => a + b,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of nodes) {
    const text = await fetch(`${n.url}/metrics`, { signal: AbortSignal.timeout(5_000) })
      .then((r) => r.text())
      .catch(() => '');
    for (const line of text.split('\n')) {
      const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const k = m[2] ?? '';
      out[k] = k in out ? combine(out[k]!, Number(m[3])) : Number(m[3]);
    }
  }
  return out;
}

/** after − before per label set (counters of nodes that lived through both reads). */
export function metricDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/** Sum of the samples whose label set matches `labels` (a regular expression over the `{…}` text). */
export function total(samples: Record<string, number>, labels: RegExp): number {
  return Object.entries(samples)
    .filter(([k]) => labels.test(k))
    .reduce((n, [, v]) => n + v, 0);
}
