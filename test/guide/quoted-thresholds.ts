import { TABLE_END, TABLE_START, type AlertRule, type ComparisonOp } from '../../scripts/gen-alert-table.ts';
import { markdownLines } from './markdown.ts';

/**
 * How the guide and the runbooks quote an alert's threshold, so a test can hold it to the rules: the alert name,
 * optionally in backticks or as a link, then a parenthesis holding the comparison(s) and the `for` duration, e.g.
 * `TenantCountScaleUp` (> 100 tenants activos durante 1h). The documents are in Spanish, so the duration follows
 * "durante" (or "for"). Percentages are ratios (80% and 80 % are 0.8) and `ms` is seconds / 1000.
 */
export interface ThresholdQuote {
  alert: string;
  line: number;
  text: string;
  comparisons: { op: ComparisonOp; value: number }[];
  forSeconds?: number;
}

export interface QuoteScan {
  quotes: ThresholdQuote[];
  /** Lines that name an alert next to a comparison outside a checked quote: the test cannot check those. */
  unchecked: { line: number; text: string }[];
}

const COMPARISON = /(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)?)\s*(%|ms\b)?/g;
// A comparison in symbols, or in words: "más de 50", "menos del 10 %", "por encima de 2 s", "more than 50".
const LOOSE_COMPARISON =
  /(?:^|[\s(])(?:>=|<=|==|!=|>|<)\s*\d|\b(?:más|menos) del? \d|\bpor (?:encima|debajo) del? \d|\b(?:more|less) than \d/i;
// The duration of a quote: "durante 15m", "durante 1 h", "for 5m". Anything else after the word is not read, so a quote
// whose duration is written some other way ("durante una hora") is reported as unchecked rather than skipped.
const DURATION_WORD = /\b(?:durante|for)\s+/;
const DURATION = /\b(?:durante|for)\s+(\d+(?:\.\d+)?\s?(?:ms|s|min|m|h|d))(?![\p{L}\d])/u;

export function durationSeconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)\s?(ms|s|min|m|h|d)$/.exec(d.trim());
  if (!m) throw new Error(`not a duration: ${d}`);
  const unit = { ms: 0.001, s: 1, min: 60, m: 60, h: 3600, d: 86400 }[m[2] as 'ms' | 's' | 'min' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** Every threshold quote in a document outside code fences and the generated table, and the lines it cannot check. */
export function scanThresholdQuotes(markdown: string, alertNames: string[]): QuoteScan {
  const names = [...alertNames].sort((a, b) => b.length - a.length).join('|');
  const quote = new RegExp(`\\[?\`?\\b(${names})\\b\`?\\]?(?:\\(#[^)\\s]*\\))?\\s*\\(([^()]*)\\)`, 'g');
  const mention = new RegExp(`\\b(?:${names})\\b`);
  const scan: QuoteScan = { quotes: [], unchecked: [] };
  let inTable = false;
  for (const l of markdownLines(markdown)) {
    if (l.text.includes(TABLE_START)) inTable = true;
    if (l.text.includes(TABLE_END)) {
      inTable = false;
      continue;
    }
    if (l.fenced || inTable) continue;
    let rest = l.text;
    for (const m of l.text.matchAll(quote)) {
      const body = m[2];
      const comparisons = [...body.matchAll(COMPARISON)].map((c) => ({
        op: c[1] as ComparisonOp,
        value: c[3] === '%' ? Number(c[2]) / 100 : c[3] === 'ms' ? Number(c[2]) / 1000 : Number(c[2]),
      }));
      const forMatch = DURATION.exec(body);
      if (!comparisons.length && !forMatch) continue; // a parenthesis that quotes nothing, e.g. (ver abajo)
      if (!forMatch && DURATION_WORD.test(body)) {
        scan.unchecked.push({ line: l.line, text: l.text }); // a duration the check cannot read
        rest = rest.replace(m[0], '');
        continue;
      }
      scan.quotes.push({
        alert: m[1],
        line: l.line,
        text: m[0],
        comparisons,
        forSeconds: forMatch ? durationSeconds(forMatch[1]) : undefined,
      });
      rest = rest.replace(m[0], '');
    }
    if (mention.test(rest) && LOOSE_COMPARISON.test(rest)) scan.unchecked.push({ line: l.line, text: l.text });
  }
  return scan;
}

/** Why a quote disagrees with its rule, or null when every number in it is the rule's. */
export function quoteMismatch(q: ThresholdQuote, rule: AlertRule): string | null {
  for (const c of q.comparisons) {
    const hit = rule.condition.comparisons.some((r) => r.op === c.op && Math.abs(r.value - c.value) < 1e-9);
    if (!hit) {
      const want = rule.condition.comparisons.map((r) => `${r.op} ${r.value}`).join(', ');
      return `line ${q.line}: ${q.text} quotes ${c.op} ${c.value}, but the rule says ${want}`;
    }
  }
  if (q.forSeconds !== undefined && q.forSeconds !== durationSeconds(rule.for)) {
    return `line ${q.line}: ${q.text} quotes for ${q.forSeconds}s, but the rule says for ${rule.for}`;
  }
  return null;
}

/** Whether a quote states the whole condition: every comparison of the rule and its `for`. */
export function quoteIsComplete(q: ThresholdQuote, rule: AlertRule): boolean {
  return (
    q.forSeconds !== undefined &&
    rule.condition.comparisons.every((r) =>
      q.comparisons.some((c) => c.op === r.op && Math.abs(c.value - r.value) < 1e-9),
    )
  );
}
