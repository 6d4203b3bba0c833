import { formatBytes, formatNumber, formatTime } from '../summary/format-value.ts';
import type { SummaryData, SummaryMetric } from '../summary/summary-data.ts';
import type { TimelineData } from './timeline.ts';

export interface HtmlReportMeta {
  script: string;
  startedAt: string;
  exitCode: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function metricCell(m: SummaryMetric): string {
  const fmt = (v: number) =>
    m.contains === 'time' ? formatTime(v) : m.contains === 'data' ? formatBytes(v) : formatNumber(v);
  return Object.entries(m.values)
    .map(([k, v]) => `${esc(k)}=${esc(m.type === 'rate' && k === 'rate' ? `${(v * 100).toFixed(2)}%` : fmt(v))}`)
    .join(' ');
}

/**
 * Draws the charts in the browser from the embedded data: no network, no library,
 * so the file stays self-contained. Each chart is an SVG with one polyline per series;
 * `data-rendered` on <body> tells tests (and people) that drawing finished.
 */
const RENDER = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('timeline').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var COLORS = { p50: '#2b8a3e', p90: '#1971c2', p95: '#e67700', p99: '#c92a2a', reqs: '#1971c2', failed: '#c92a2a', vus: '#5f3dc4' };
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function chart(container, points, keys, unit) {
    var W = 640, H = 220, L = 56, B = 28, T = 10, R = 10;
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' }, container);
    var maxT = Math.max(1, points.length ? points[points.length - 1].t : 1);
    var maxV = 0;
    points.forEach(function (p) { keys.forEach(function (k) { maxV = Math.max(maxV, p[k]); }); });
    maxV = maxV > 0 ? maxV * 1.1 : 1;
    var x = function (t) { return L + (t / maxT) * (W - L - R); };
    var y = function (v) { return H - B - (v / maxV) * (H - B - T); };
    el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#888' }, svg);
    el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#888' }, svg);
    for (var i = 0; i <= 4; i++) {
      var v = (maxV * i) / 4;
      var label = el('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 10 }, svg);
      label.textContent = (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + unit;
    }
    var xl = el('text', { x: W - R, y: H - 6, 'text-anchor': 'end', 'font-size': 10 }, svg);
    xl.textContent = maxT + ' s';
    keys.forEach(function (k) {
      var pts = points.map(function (p) { return x(p.t).toFixed(1) + ',' + y(p[k]).toFixed(1); }).join(' ');
      el('polyline', { points: pts, fill: 'none', stroke: COLORS[k] || '#333', 'stroke-width': 1.6, 'data-series': k }, svg);
    });
    var legend = document.createElement('div');
    legend.className = 'legend';
    legend.innerHTML = keys.map(function (k) { return '<span style="color:' + (COLORS[k] || '#333') + '">&#9632; ' + k + '</span>'; }).join(' ');
    container.appendChild(legend);
  }
  function panel(title, tenant) {
    var div = document.createElement('section');
    div.className = 'panel';
    if (tenant !== undefined) div.setAttribute('data-tenant', tenant);
    var h = document.createElement('h3');
    h.textContent = title;
    div.appendChild(h);
    document.getElementById('charts').appendChild(div);
    return div;
  }
  chart(panel('Latency percentiles over time (http_req_duration, ms)'), data.overall, ['p50', 'p90', 'p95', 'p99'], 'ms');
  chart(panel('Requests and failures per second'), data.overall, ['reqs', 'failed'], '');
  chart(panel('Active VUs'), data.overall, ['vus'], '');
  Object.keys(data.tenants).forEach(function (t) {
    chart(panel('Tenant ' + t + ': latency percentiles (ms)', t), data.tenants[t], ['p50', 'p95', 'p99'], 'ms');
  });
  document.body.setAttribute('data-rendered', 'true');
})();
`;

/** `--out html=FILE`: one self-contained page with thresholds, metrics and time-series charts. */
export function htmlReport(summary: SummaryData, timeline: TimelineData, meta: HtmlReportMeta): string {
  const thresholds = Object.entries(summary.metrics).flatMap(([name, m]) =>
    Object.entries(m.thresholds ?? {}).map(
      ([expr, { ok }]) =>
        `<tr class="${ok ? 'ok' : 'fail'}"><td>${ok ? '✓' : '✗'}</td><td>${esc(name)}</td><td>${esc(expr)}</td></tr>`,
    ),
  );
  const metrics = Object.keys(summary.metrics)
    .sort()
    .map(
      (name) =>
        `<tr><td>${esc(name)}</td><td>${esc(summary.metrics[name].type)}</td><td>${metricCell(summary.metrics[name])}</td></tr>`,
    );
  const json = JSON.stringify(timeline).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tenantops load report: ${esc(meta.script)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:13px}
tr.ok td:first-child{color:#2b8a3e}tr.fail td:first-child{color:#c92a2a}
#charts{display:flex;flex-wrap:wrap;gap:16px}.panel{border:1px solid #ddd;border-radius:6px;padding:8px 12px}
.panel h3{margin:4px 0;font-size:14px}.legend span{margin-right:10px;font-size:12px}
</style></head>
<body>
<h1>tenantops load report</h1>
<p>Script <code>${esc(meta.script)}</code>, started ${esc(meta.startedAt)}, ran ${esc(formatTime(summary.state.testRunDurationMs))}, exit code ${meta.exitCode}.</p>
<h2>Thresholds</h2>
<table><tr><th></th><th>metric</th><th>threshold</th></tr>${thresholds.join('') || '<tr><td colspan="3">none</td></tr>'}</table>
<h2>Charts</h2>
<div id="charts"></div>
<h2>Metrics</h2>
<table><tr><th>metric</th><th>type</th><th>values</th></tr>${metrics.join('')}</table>
<script type="application/json" id="timeline">${json}</script>
<script>${RENDER}</script>
</body></html>
`;
}
