import { formatNumber } from '../summary/format-value.ts';
import { escapeHtml } from './escape-html.ts';
import type { TimeAxis } from './time-axis.ts';
import { valueAxis } from './value-axis.ts';

export interface ChartSeries {
  name: string;
  color: string;
  /** [second of the run, value]; a second missing from the list is a gap in the line. */
  points: [number, number][];
}

export interface ChartOptions {
  title: string;
  series: ChartSeries[];
  /** Shared by every chart of a report, so the same second sits at the same x everywhere. */
  time: TimeAxis;
  /** Appended to the y tick labels, e.g. " ms". */
  unit?: string;
}

const W = 640;
const H = 230;
const L = 64;
const R = 12;
const T = 10;
const B = 40;

/**
 * One chart as inline SVG, drawn when the report is written: the page needs no script and no library to show it,
 * and stays readable with scripts off. Each per-second bucket is plotted at its middle.
 */
export function svgChart(o: ChartOptions): string {
  const peak = Math.max(0, ...o.series.flatMap((s) => s.points.map((p) => p[1])));
  const y = valueAxis(peak);
  const px = (t: number) => L + (t / o.time.max) * (W - L - R);
  const py = (v: number) => H - B - (v / y.max) * (H - B - T);
  const unit = o.unit ?? '';
  const parts: string[] = [];
  for (const v of y.ticks) {
    const at = py(v).toFixed(1);
    parts.push(
      `<line x1="${L}" y1="${at}" x2="${W - R}" y2="${at}" stroke="#eee"/>`,
      `<text class="y-tick" x="${L - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(formatNumber(v) + unit)}</text>`,
    );
  }
  for (const t of o.time.ticks) {
    const at = px(t).toFixed(1);
    parts.push(
      `<line x1="${at}" y1="${H - B}" x2="${at}" y2="${H - B + 4}" stroke="#888"/>`,
      `<text class="x-tick" x="${at}" y="${H - B + 16}" text-anchor="middle">${t} s</text>`,
    );
  }
  parts.push(
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#888"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#888"/>`,
    `<text class="x-label" x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">seconds from the start of the run</text>`,
  );
  for (const s of o.series) {
    let d = '';
    let prev = -Infinity;
    for (const [t, v] of s.points) {
      // A new segment after a gap starts with a zero-length line, so a lone second still shows as a dot.
      const at = `${px(t + 0.5).toFixed(1)},${py(v).toFixed(1)}`;
      d += t - prev > 1 ? `M${at}l0,0` : `L${at}`;
      prev = t;
    }
    parts.push(
      `<path data-series="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6" stroke-linecap="round"/>`,
    );
  }
  const legend = o.series.map((s) => `<span style="color:${s.color}">&#9632; ${escapeHtml(s.name)}</span>`).join(' ');
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
    `aria-label="${escapeHtml(o.title)}" data-domain="0 ${o.time.max}" font-size="10">${parts.join('')}</svg>` +
    `<div class="legend">${legend}</div>`
  );
}
