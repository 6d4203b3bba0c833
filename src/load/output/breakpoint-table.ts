import { formatNumber } from '../summary/format-value.ts';
import type { BreakpointLevel, BreakpointTable } from './breakpoint-stats.ts';
import { escapeHtml } from './escape-html.ts';
import { formatMs, formatPercent, formatThreshold } from './format-threshold.ts';
import { htmlTable } from './html-table.ts';
import { thresholdCell } from './threshold-cell.ts';
import type { MetricKind } from './threshold-outcome.ts';

const rps = (l: BreakpointLevel): string => (l.rps === null ? '–' : `${formatNumber(Number(l.rps.toFixed(1)))}`);
const secs = (s: number | null): string => (s === null ? '–' : formatNumber(Number(s.toFixed(1))));

/** One sentence: where the thresholds held, where they broke, where throughput peaked. */
function breakpointVerdict(b: BreakpointTable, kindOf: (key: string) => MetricKind | undefined): string {
  const at = (l: BreakpointLevel) => `${formatNumber(l.target)} ${b.unit}`;
  let out: string;
  if (b.broken) {
    const why = b.broken.thresholds
      .filter((t) => !t.ok)
      .map((t) => {
        const { observed, limit } = formatThreshold(t, kindOf(t.key));
        return `${observed}, limit ${limit}`;
      })
      .join('; ');
    out =
      (b.sustained
        ? `Held up to ${at(b.sustained)} (${rps(b.sustained)} req/s)`
        : 'Did not hold even at the first level') + `; broke at ${at(b.broken)} (${why}).`;
  } else if (b.sustained && b.levels.every((l) => l.held === true)) {
    out = `Breakpoint not reached: held at every level up to ${at(b.sustained)} (${rps(b.sustained)} req/s).`;
  } else if (b.sustained) {
    out = `Held up to ${at(b.sustained)} (${rps(b.sustained)} req/s); higher levels did not run.`;
  } else {
    out = 'No level made a request.';
  }
  if (b.peak && b.levels.length > 1) out += ` Throughput peaked at ${at(b.peak)} (${rps(b.peak)} req/s).`;
  return out;
}

/** The breakpoint scenario's levels: target load against requests, latency, errors and its abort thresholds. */
export function breakpointTable(b: BreakpointTable, kindOf: (key: string) => MetricKind | undefined): string {
  const rows = b.levels.map((l) => ({
    className: l.held === null ? 'none' : l.held ? 'ok' : 'fail',
    cells: [
      escapeHtml(formatNumber(l.target)),
      `${secs(l.fromS)}–${secs(l.toS)}`,
      String(l.requests),
      rps(l),
      l.p95Ms === null ? '–' : escapeHtml(formatMs(l.p95Ms)),
      l.errorRate === null ? '–' : escapeHtml(formatPercent(l.errorRate)),
      l.held === null ? 'not run' : l.held ? 'held' : '<b>BROKEN</b>',
      l.thresholds.map((t) => thresholdCell(t, kindOf(t.key), true)).join('<br>'),
    ],
  }));
  return (
    `<section class="breakpoint" data-scenario="${escapeHtml(b.scenario)}">` +
    `<h3>Scenario <code>${escapeHtml(b.scenario)}</code></h3>` +
    `<p class="breakpoint-verdict">${escapeHtml(breakpointVerdict(b, kindOf))}</p>` +
    htmlTable(
      `breakpoint-${escapeHtml(b.scenario)}`,
      [
        escapeHtml(b.unit),
        'window (s)',
        'requests',
        'req/s',
        'p95',
        'failed',
        'result',
        'abortOnFail thresholds on this level alone',
      ],
      rows,
    ) +
    '</section>'
  );
}
