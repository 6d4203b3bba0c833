/** The metric names a markdown document defines in its tables. */
export interface DocumentedMetrics {
  names: Set<string>;
  /** Names from tables with an `exporter` column: standard exporters, not the platform's /metrics. */
  exporterNames: Set<string>;
  /** Families written with a wildcard, like `process_*`. */
  prefixes: string[];
  has(name: string): boolean;
}

// A histogram `x` is exported as x_bucket, x_sum and x_count (Prometheus text format).
const HISTOGRAM_SERIES = ['_bucket', '_sum', '_count'];

/**
 * Reads every markdown table whose header starts with `name`: each backticked word in the first cell is a metric
 * (a cell may list several); a `histogram` in the `type` column adds its _bucket/_sum/_count series. Other columns
 * are prose and may mention names that are not defined (e.g. a renamed metric), so they are ignored.
 */
export function documentedMetrics(markdown: string): DocumentedMetrics {
  const names = new Set<string>();
  const exporterNames = new Set<string>();
  const prefixes: string[] = [];
  let header: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (!line.trim().startsWith('|')) {
      header = null;
      continue;
    }
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      continue;
    }
    if (header[0] !== 'name' || cells.every((c) => /^:?-+:?$/.test(c))) continue;
    const histogram = cells[header.indexOf('type')] === 'histogram';
    const exporter = header.includes('exporter');
    for (const m of cells[0].matchAll(/`([^`]+)`/g)) {
      const name = m[1];
      if (name.endsWith('*')) prefixes.push(name.slice(0, -1));
      else {
        names.add(name);
        if (exporter) exporterNames.add(name);
        if (histogram) for (const s of HISTOGRAM_SERIES) names.add(name + s);
      }
    }
  }
  return { names, exporterNames, prefixes, has: (n) => names.has(n) || prefixes.some((p) => n.startsWith(p)) };
}
