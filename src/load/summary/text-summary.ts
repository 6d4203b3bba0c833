import { humanizeValue } from './humanize-value.ts';
import type { SummaryData, SummaryMetric } from './summary-data.ts';
import { summaryReport, type ReportCheck, type SummaryReport } from './summary-report.ts';

export interface TextSummaryOptions {
  /** Accepted for jslib compatibility; k6 ≥ 1.0 indents by levels of two spaces and ignores it. */
  indent?: string;
  /** ANSI colours; on by default, as in k6's textSummary. */
  enableColors?: boolean;
  summaryTimeUnit?: string;
  summaryTrendStats?: string[];
}

/** A bare newline between the lines of a section (k6 builds its text the same way). */
const NL = '\n';
const COLORS = { green: '32', red: '31', cyan: '36', white: '37' } as const;
const STYLES = { faint: '2' } as const;
const DEFAULT_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

interface Ctx {
  color: boolean;
  stats: string[];
  unit: string;
}

/** Indentation of a line at a nesting level: two spaces per level, plus one level. */
const pad = (level: number) => ' '.repeat((level + 1) * 2);
// eslint-disable-next-line no-control-regex
const width = (s: string) => [...s.replace(/\x1b\[[0-9;]*m/g, '').normalize('NFKC')].length;
const spaces = (n: number) => ' '.repeat(Math.max(0, n));

function decorate(ctx: Ctx, text: string, color: keyof typeof COLORS, style?: keyof typeof STYLES): string {
  if (!ctx.color) return text;
  return `\x1b[${style ? `${STYLES[style]};` : ''}${COLORS[color]}m${text}\x1b[0m`;
}

const bold = (ctx: Ctx, text: string) => (ctx.color ? `\x1b[1m${text}\x1b[0m` : text);

/** "{ tag:value }" for a sub-metric, indented under its metric. */
function displayName(name: string): string {
  const at = name.indexOf('{');
  return at < 0 ? name : `  { ${name.slice(at + 1, -1)} }`;
}

/** By metric name, each sub-metric right after its metric. */
function byName(names: string[]): string[] {
  return names.sort((a, b) => {
    const pa = a.split('{', 1)[0];
    const pb = b.split('{', 1)[0];
    return pa.localeCompare(pb) || a.slice(pa.length).localeCompare(b.slice(pb.length));
  });
}

/** A trend's stat: `count` is a plain number, whatever the metric holds. */
const trendValue = (ctx: Ctx, m: SummaryMetric, stat: string) =>
  stat === 'count' ? String(m.values[stat] ?? 0) : humanizeValue(m.values[stat] ?? 0, m, ctx.unit);

/** The main value and the extras of a counter, gauge or rate, as k6 lays them out. */
function nonTrendValues(ctx: Ctx, m: SummaryMetric): string[] {
  const v = (k: string) => humanizeValue(m.values[k] ?? 0, m, ctx.unit);
  switch (m.type) {
    case 'counter':
      return [v('count'), `${v('rate')}/s`];
    case 'gauge':
      return [v('value'), `min=${v('min')}`, `max=${v('max')}`];
    case 'rate':
      return [v('rate'), `${m.values.passes ?? 0} out of ${(m.values.passes ?? 0) + (m.values.fails ?? 0)}`];
    default:
      return ['[no data]'];
  }
}

/** Column widths and formatted values of a block of metrics, so its lines align. */
class Layout {
  maxName = 0;
  readonly trendCols = new Map<string, string[]>();
  readonly trendKeys = new Map<string, Record<string, string>>();
  readonly colWidths: number[];
  readonly values = new Map<string, string[]>();
  maxValue = 0;
  readonly extraWidths: number[] = [];

  constructor(
    private readonly ctx: Ctx,
    metrics: Record<string, SummaryMetric>,
    private readonly level: number,
  ) {
    this.colWidths = ctx.stats.map(() => 0);
    for (const [name, m] of Object.entries(metrics)) {
      this.maxName = Math.max(this.maxName, width(pad(level) + displayName(name)));
      if (m.type === 'trend') {
        const cols = ctx.stats.map((s) => trendValue(ctx, m, s));
        cols.forEach((c, i) => (this.colWidths[i] = Math.max(this.colWidths[i], width(c))));
        this.trendCols.set(name, cols);
        const keys = Object.keys(m.values).filter((k) => !ctx.stats.includes(k));
        this.trendKeys.set(name, Object.fromEntries(keys.map((k) => [k, trendValue(ctx, m, k)])));
      } else {
        const values = nonTrendValues(ctx, m);
        this.values.set(name, values);
        this.maxValue = Math.max(this.maxValue, width(values[0]));
        values.slice(1).forEach((e, i) => (this.extraWidths[i] = Math.max(this.extraWidths[i] ?? 0, width(e))));
      }
    }
  }

  /** `name.......: avg=1ms min=…`, the dots padding every name to the longest plus three. */
  line(name: string, m: SummaryMetric): string {
    const { ctx } = this;
    const shown = displayName(name);
    const dots = Math.max(3, this.maxName - (width(shown) + width(pad(this.level))) + 3);
    const dotted = shown + decorate(ctx, `${'.'.repeat(dots)}:`, 'white', 'faint');
    return `${pad(this.level)}${dotted} ${m.type === 'trend' ? this.trendData(name) : this.nonTrendData(name)}`;
  }

  private trendData(name: string): string {
    const cols = this.trendCols.get(name) ?? [];
    return cols
      .map((c, i) => `${this.ctx.stats[i]}=${decorate(this.ctx, c, 'cyan')}${spaces(this.colWidths[i] - width(c))}`)
      .join(' ');
  }

  private nonTrendData(name: string): string {
    const [value, ...extras] = this.values.get(name) ?? [''];
    let out = decorate(this.ctx, value, 'cyan') + spaces(this.maxValue - width(value));
    if (extras.length === 1) out += ` ${decorate(this.ctx, extras[0], 'cyan', 'faint')}`;
    else if (extras.length > 1) {
      const parts = extras.map(
        (e, i) => decorate(this.ctx, e, 'cyan', 'faint') + spaces(this.extraWidths[i] - width(e)),
      );
      out += ` ${parts.join(' ')}`;
    }
    return out;
  }

  /** The value a threshold's aggregation names, formatted like the metric's own values. */
  thresholdValue(name: string, m: SummaryMetric, aggregation: string): string | undefined {
    if (m.type === 'trend') {
      const i = this.ctx.stats.indexOf(aggregation);
      return i >= 0 ? this.trendCols.get(name)?.[i] : this.trendKeys.get(name)?.[aggregation];
    }
    const values = this.values.get(name) ?? [];
    return m.type === 'counter' && aggregation !== 'count' ? values[1] : values[0];
  }
}

function renderThresholds(ctx: Ctx, thresholds: SummaryReport['thresholds']): string[] {
  const metrics = Object.fromEntries(Object.entries(thresholds).map(([name, t]) => [name, t.metric]));
  const layout = new Layout(ctx, metrics, 1);
  const lines: string[] = [];
  for (const name of byName(Object.keys(metrics))) {
    const parent = name.split('{', 1)[0];
    // A sub-metric shows only its selector when its metric has thresholds too, one level deeper.
    const nested = parent !== name && parent in metrics;
    const level = nested ? 2 : 1;
    lines.push(pad(level) + (nested ? name.slice(parent.length) : name));
    for (const t of thresholds[name].thresholds) {
      const mark = t.ok ? decorate(ctx, '✓', 'green') : decorate(ctx, '✗', 'red');
      // k6 cuts the source at its first '=', '<' or '>', so "rate!=0" shows as "rate!=…"; the value is the rate's.
      const label = t.source.split(/[=><]/)[0].trim();
      const value = layout.thresholdValue(name, metrics[name], label.replace(/!$/, ''));
      const observed = `${decorate(ctx, label, 'white')}=${decorate(ctx, String(value), 'cyan')}`;
      lines.push(`${pad(level)}${mark} ${decorate(ctx, `'${t.source.trim()}'`, 'white')} ${observed}`);
    }
    lines.push(NL);
  }
  return lines;
}

function renderCheck(ctx: Ctx, c: ReportCheck): string {
  if (c.fails === 0) return pad(1) + decorate(ctx, `✓ ${c.name}`, 'green');
  const pct = Math.floor((100 * c.passes) / (c.passes + c.fails));
  const result = decorate(ctx, `↳  ${pct}% — ✓ ${c.passes} / ✗ ${c.fails}`, 'red');
  return `${pad(1)}${decorate(ctx, `✗ ${c.name}`, 'red')}\n${pad(2)}${result}`;
}

function renderChecks(ctx: Ctx, checks: SummaryReport['checks']): string[] {
  if (!checks) return [];
  const layout = new Layout(ctx, checks.metrics, 1);
  const metricLines = Object.entries(checks.metrics).map(([name, m]) => layout.line(name, m));
  return [...metricLines, NL, ...checks.ordered.map((c) => renderCheck(ctx, c)), NL];
}

function renderMetrics(ctx: Ctx, metrics: SummaryReport['metrics']): string[] {
  const all = Object.assign({}, ...Object.values(metrics)) as Record<string, SummaryMetric>;
  const layout = new Layout(ctx, all, 1);
  const sections = Object.entries(metrics).filter(([, m]) => Object.keys(m).length > 0);
  // User metrics come first, then k6's sections in their fixed order.
  sections.sort(([a], [b]) => Number(b === 'custom') - Number(a === 'custom'));
  return sections.flatMap(([title, m]) => [
    pad(1) + bold(ctx, title.toUpperCase()),
    ...byName(Object.keys(m)).map((name) => layout.line(name, m[name])),
    NL,
  ]);
}

/**
 * The end-of-test summary in k6's default ("compact") form: thresholds with ✓/✗ and the observed value,
 * then checks and the metrics by section (custom, HTTP, execution, network). It is also jslib's
 * textSummary for handleSummary(). https://grafana.com/docs/k6/latest/results-output/end-of-test/
 */
export function textSummary(data: SummaryData, opts: TextSummaryOptions = {}): string {
  const ctx: Ctx = {
    color: opts.enableColors ?? true,
    stats: opts.summaryTrendStats ?? data.options?.summaryTrendStats ?? DEFAULT_STATS,
    unit: opts.summaryTimeUnit ?? data.options?.summaryTimeUnit ?? '',
  };
  const report = summaryReport(data);
  const sections: [string, string[]][] = [];
  if (Object.keys(report.thresholds).length) sections.push(['THRESHOLDS', renderThresholds(ctx, report.thresholds)]);
  sections.push(['TOTAL RESULTS', [...renderChecks(ctx, report.checks), ...renderMetrics(ctx, report.metrics)]]);
  let out = '';
  for (const [title, content] of sections) {
    for (const item of [`${pad(0)}█ ${bold(ctx, title)} \n`, ...content, NL]) out += item === NL ? '\n' : `\n${item}`;
  }
  return out;
}
