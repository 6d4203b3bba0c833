import { formatBytes, formatNumber, formatTime } from './format-value.ts';
import type { SummaryData, SummaryGroup, SummaryMetric } from './summary-data.ts';

export interface TextSummaryOptions {
  indent?: string;
  enableColors?: boolean;
}

const SECTIONS: [string, (name: string) => boolean][] = [
  ['HTTP', (n) => n.startsWith('http_')],
  [
    'EXECUTION',
    (n) => ['dropped_iterations', 'iteration_duration', 'iterations', 'vus', 'vus_max', 'group_duration'].includes(n),
  ],
  ['NETWORK', (n) => n === 'data_received' || n === 'data_sent'],
];

function value(m: SummaryMetric, key: string, unit: string): string {
  const v = m.values[key] ?? 0;
  if (m.contains === 'time') return formatTime(v, unit);
  if (m.contains === 'data') return formatBytes(v);
  return formatNumber(v);
}

function describeMetric(m: SummaryMetric, stats: string[], unit: string): string {
  switch (m.type) {
    case 'trend':
      return stats.map((s) => `${s}=${value(m, s, unit)}`).join(' ');
    case 'counter': {
      const rate =
        m.contains === 'data'
          ? `${formatBytes(m.values.rate ?? 0)}/s`
          : `${formatNumber(Number((m.values.rate ?? 0).toFixed(2)))}/s`;
      return `${value(m, 'count', unit).padEnd(8)} ${rate}`;
    }
    case 'rate': {
      const total = (m.values.passes ?? 0) + (m.values.fails ?? 0);
      return `${((m.values.rate ?? 0) * 100).toFixed(2)}% ${m.values.passes ?? 0} out of ${total}`;
    }
    case 'gauge':
      return `${value(m, 'value', unit).padEnd(8)} min=${value(m, 'min', unit)} max=${value(m, 'max', unit)}`;
  }
}

function checkLines(group: SummaryGroup, indent: string, mark: (ok: boolean) => string): string[] {
  const lines: string[] = [];
  for (const c of group.checks) {
    const total = c.passes + c.fails;
    lines.push(`${indent}${mark(c.fails === 0)} ${c.name}`);
    if (c.fails > 0) {
      lines.push(`${indent}  ↳  ${Math.floor((c.passes / total) * 100)}% — ✓ ${c.passes} / ✗ ${c.fails}`);
    }
  }
  for (const g of group.groups) {
    lines.push('', `${indent}█ ${g.name}`, '');
    lines.push(...checkLines(g, `${indent}  `, mark));
  }
  return lines;
}

/**
 * The end-of-test summary: thresholds first with ✓/✗, then checks, then metrics by
 * section, close to k6 1.x's text. It is also jslib's textSummary for handleSummary.
 */
export function textSummary(data: SummaryData, opts: TextSummaryOptions = {}): string {
  const ind = opts.indent ?? ' ';
  const color = opts.enableColors ?? false;
  const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const mark = (ok: boolean) => (ok ? paint(32, '✓') : paint(31, '✗'));
  const stats = data.options.summaryTrendStats;
  const unit = data.options.summaryTimeUnit;
  const out: string[] = [];
  const names = Object.keys(data.metrics).sort();

  const withThresholds = names.filter((n) => data.metrics[n].thresholds);
  if (withThresholds.length) {
    out.push(`${ind} █ THRESHOLDS`, '');
    for (const name of withThresholds) {
      const m = data.metrics[name];
      out.push(`${ind}   ${name}`);
      for (const [expr, { ok }] of Object.entries(m.thresholds ?? {})) {
        const agg = expr.split(/[<>=!]/)[0].trim();
        out.push(`${ind}   ${mark(ok)} '${expr}' ${agg}=${value(m, agg, unit)}`);
      }
      out.push('');
    }
  }

  out.push(`${ind} █ TOTAL RESULTS`, '');
  const checks = data.metrics.checks;
  if (checks) {
    const passes = checks.values.passes ?? 0;
    const fails = checks.values.fails ?? 0;
    const total = passes + fails;
    const pct = (n: number) => `${total ? ((n / total) * 100).toFixed(2) : '0.00'}%`;
    const rate = data.state.testRunDurationMs > 0 ? total / (data.state.testRunDurationMs / 1000) : 0;
    out.push(`${ind}   checks_total${'.'.repeat(19)}: ${String(total).padEnd(8)} ${rate.toFixed(2)}/s`);
    out.push(`${ind}   checks_succeeded${'.'.repeat(15)}: ${pct(passes).padEnd(8)} ${passes} out of ${total}`);
    out.push(`${ind}   checks_failed${'.'.repeat(18)}: ${pct(fails).padEnd(8)} ${fails} out of ${total}`, '');
    out.push(...checkLines(data.root_group, `${ind}   `, mark), '');
  }

  const placed = new Set<string>(['checks']);
  const sections: [string, string[]][] = [];
  const custom = names.filter((n) => !n.includes('{') && !SECTIONS.some(([, f]) => f(n)) && n !== 'checks');
  if (custom.length) sections.push(['CUSTOM', custom]);
  for (const [title, match] of SECTIONS) sections.push([title, names.filter((n) => !n.includes('{') && match(n))]);
  for (const [title, list] of sections) {
    if (!list.length) continue;
    out.push(`${ind}   ${title}`);
    for (const name of list) {
      placed.add(name);
      out.push(`${ind}   ${`${name}`.padEnd(31, '.')}: ${describeMetric(data.metrics[name], stats, unit)}`);
      for (const sub of names.filter((n) => n.startsWith(`${name}{`))) {
        const label = `{ ${sub.slice(name.length + 1, -1)} }`;
        out.push(`${ind}     ${label.padEnd(29, '.')}: ${describeMetric(data.metrics[sub], stats, unit)}`);
      }
    }
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
