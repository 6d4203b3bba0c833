export interface DashboardQuery {
  panel: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

// Grafana substitutes these before the query reaches Prometheus; stand-ins keep the PromQL parseable.
const GRAFANA_VARIABLES: [RegExp, string][] = [
  [/\$__(rate_interval|interval|range)\b/g, '5m'],
  [/\$topn\b/g, '10'],
];

/** Every Prometheus query of a Grafana dashboard (nested row panels included), with template variables filled in. */
export function dashboardQueries(json: string): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const walk = (panels: Panel[] = []): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        if (!t.expr) continue;
        let expr = t.expr;
        for (const [re, value] of GRAFANA_VARIABLES) expr = expr.replace(re, value);
        out.push({ panel: p.title ?? '(untitled)', expr });
      }
      walk(p.panels);
    }
  };
  walk((JSON.parse(json) as { panels?: Panel[] }).panels);
  return out;
}
