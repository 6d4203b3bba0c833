import type { SummaryData, SummaryGroup } from './summary-data.ts';

interface ExportGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, ExportGroup>;
  checks: Record<string, { name: string; path: string; id: string; passes: number; fails: number }>;
}

function group(g: SummaryGroup): ExportGroup {
  return {
    name: g.name,
    path: g.path,
    id: g.id,
    groups: Object.fromEntries(g.groups.map((c) => [c.name, group(c)])),
    checks: Object.fromEntries(g.checks.map((c) => [c.name, c])),
  };
}

/**
 * The `--summary-export` file in k6's legacy format: groups and checks keyed by name,
 * rates as passes/fails/value, and each threshold as `true` when it FAILED (k6's quirk).
 */
export function summaryExport(data: SummaryData): Record<string, unknown> {
  const metrics: Record<string, Record<string, unknown>> = {};
  for (const [name, m] of Object.entries(data.metrics)) {
    const out: Record<string, unknown> =
      m.type === 'rate' ? { passes: m.values.passes, fails: m.values.fails, value: m.values.rate } : { ...m.values };
    if (m.thresholds) out.thresholds = Object.fromEntries(Object.entries(m.thresholds).map(([k, v]) => [k, !v.ok]));
    metrics[name] = out;
  }
  return { root_group: group(data.root_group), metrics };
}
