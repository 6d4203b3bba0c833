import { escapeHtml } from './escape-html.ts';
import { svgChart, type ChartSeries } from './svg-chart.ts';
import { timeAxis } from './time-axis.ts';
import type { TimelineData, TimelinePoint } from './timeline.ts';

const COLORS: Record<string, string> = {
  p50: '#2b8a3e',
  p90: '#1971c2',
  p95: '#e67700',
  p99: '#c92a2a',
  reqs: '#1971c2',
  failed: '#c92a2a',
  vus: '#5f3dc4',
};

type Key = Exclude<keyof TimelinePoint, 't'>;

const LATENCY = new Set<Key>(['p50', 'p90', 'p95', 'p99']);

// A second without requests has no latency: a gap in the line, not a drop to 0.
const series = (points: TimelinePoint[], keys: Key[]): ChartSeries[] =>
  keys.map((k) => ({
    name: k,
    color: COLORS[k] ?? '#333',
    points: points.filter((p) => !LATENCY.has(k) || p.reqs > 0).map((p) => [p.t, p[k]]),
  }));

function panel(title: string, chart: string, tenant?: string): string {
  const attr = tenant === undefined ? '' : ` data-tenant="${escapeHtml(tenant)}"`;
  return `<section class="panel"${attr}><h3>${escapeHtml(title)}</h3>${chart}</section>`;
}

/** The run's charts, overall then one per tenant, all on one time axis (seconds from the start of the run). */
export function chartPanels(timeline: TimelineData): string {
  const time = timeAxis(timeline.seconds);
  const out = [
    panel(
      'Latency percentiles (http_req_duration)',
      svgChart({
        title: 'latency',
        series: series(timeline.overall, ['p50', 'p90', 'p95', 'p99']),
        time,
        unit: ' ms',
      }),
    ),
    panel(
      'Requests and failed requests per second',
      svgChart({ title: 'requests', series: series(timeline.overall, ['reqs', 'failed']), time }),
    ),
    panel('Active VUs', svgChart({ title: 'VUs', series: series(timeline.overall, ['vus']), time })),
  ];
  for (const [tenant, points] of Object.entries(timeline.tenants)) {
    out.push(
      panel(
        `Tenant ${tenant}: latency percentiles`,
        svgChart({ title: `tenant ${tenant}`, series: series(points, ['p50', 'p95', 'p99']), time, unit: ' ms' }),
        tenant,
      ),
    );
  }
  return `<div id="charts">${out.join('')}</div>`;
}
