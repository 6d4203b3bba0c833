/** A metric name with an optional sub-metric tag selector, e.g. `http_req_duration{status:200,group:::api}`. */
export interface MetricSelector {
  metric: string;
  tags: [string, string][];
}

/**
 * Parses k6's sub-metric syntax. Each pair splits at its first colon only, because group
 * paths start with "::" (`{group:::checkout}` is the tag group = "::checkout").
 * Quotes around values are dropped, as k6 does.
 */
export function parseMetricSelector(text: string): MetricSelector | undefined {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:\{(.*)\})?\s*$/s.exec(text);
  if (!m) return undefined;
  if (m[2] === undefined) return { metric: m[1], tags: [] };
  const tags: [string, string][] = [];
  for (const pair of m[2].split(',')) {
    const at = pair.indexOf(':');
    if (at <= 0) return undefined;
    const key = pair.slice(0, at).trim();
    const value = pair
      .slice(at + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2');
    if (!key) return undefined;
    tags.push([key, value]);
  }
  return tags.length ? { metric: m[1], tags } : undefined;
}
