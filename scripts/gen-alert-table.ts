// Rewrites the alert table of the scaling guide from the Prometheus rules, so the thresholds the guide quotes are
// the rules' own. The guide is written in Spanish (the host team's language), so the table is too; each alert links to
// its runbook, wherever its runbook_url points (docs/arquitectura/runbooks.md). Run after changing the rules:
//   node --import tsx scripts/gen-alert-table.ts          # rewrite the block in place
//   node --import tsx scripts/gen-alert-table.ts --check  # exit 1 if the committed block is stale
// test/guide/alert-table.test.ts fails when the committed table differs from what this script produces.
import { readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../', import.meta.url));

export const guidePaths = {
  root,
  rules: `${root}monitoring/prometheus/rules/scaling_alerts.yml`,
  guide: `${root}docs/arquitectura/scaling-horizontal-guide.md`,
  /** Where every alert's runbook_url points: one section per alert, headed by the alert name. */
  runbooks: `${root}docs/arquitectura/runbooks.md`,
};

export const TABLE_START = '<!-- alert-table:start -->';
export const TABLE_END = '<!-- alert-table:end -->';

export type ComparisonOp = '>' | '<' | '>=' | '<=' | '==' | '!=';

/** One `subject OP number` comparison found in an alert expression. */
export interface Comparison {
  subject: string;
  op: ComparisonOp;
  value: number;
}

/** An alert expression read as comparisons joined by the set operators between them, in source order. */
export interface Condition {
  comparisons: Comparison[];
  /** joiners[i] stands between comparisons[i] and comparisons[i + 1]. */
  joiners: ('and' | 'or' | 'unless')[];
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  severity: string;
  summary: string;
  runbookUrl: string;
  condition: Condition;
}

const comparisonNodes: Record<string, ComparisonOp> = {
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  Eql: '==',
  Neq: '!=',
};
const setNodes: Record<string, 'and' | 'or' | 'unless'> = { And: 'and', Or: 'or', Unless: 'unless' };
// The number node was renamed when PromQL gained durations as numbers; accept both names.
const numberNodes = new Set(['NumberLiteral', 'NumberDurationLiteral']);

interface SyntaxNodeLike {
  name: string;
  from: number;
  to: number;
  type: { isError: boolean };
  firstChild: SyntaxNodeLike | null;
  nextSibling: SyntaxNodeLike | null;
}

function children(node: SyntaxNodeLike): SyntaxNodeLike[] {
  const out: SyntaxNodeLike[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/**
 * The threshold comparisons of a PromQL expression, read from its syntax tree rather than with a regex, so a
 * number inside a selector or a function argument is never taken for a threshold. Throws on a syntax error.
 */
export function parseCondition(expr: string): Condition {
  const tree = parser.parse(expr);
  let error: number | null = null;
  tree.iterate({
    enter(n) {
      if (n.type.isError && error === null) error = n.from;
    },
  });
  if (error !== null) throw new Error(`PromQL syntax error at offset ${error}: ${expr}`);
  const text = (n: SyntaxNodeLike): string => expr.slice(n.from, n.to).replace(/\s+/g, ' ').trim();
  const condition: Condition = { comparisons: [], joiners: [] };
  const visit = (node: SyntaxNodeLike): void => {
    if (node.name === 'BinaryExpr') {
      const kids = children(node);
      const opNode = kids.find((k) => k.name in comparisonNodes || k.name in setNodes);
      if (opNode && opNode.name in comparisonNodes) {
        const operands = kids.filter((k) => k !== opNode && !/Modifier/.test(k.name));
        const [left, right] = [operands[0], operands[operands.length - 1]];
        const num = [left, right].find((k) => numberNodes.has(k.name));
        const other = num === left ? right : left;
        if (num && other && !numberNodes.has(other.name)) {
          // `5 < x` reads as `x > 5`: keep the subject on the left so the guide can quote `x > 5`.
          const flip: Record<ComparisonOp, ComparisonOp> = {
            '>': '<',
            '<': '>',
            '>=': '<=',
            '<=': '>=',
            '==': '==',
            '!=': '!=',
          };
          const op = comparisonNodes[opNode.name];
          condition.comparisons.push({
            subject: text(other),
            op: num === left ? flip[op] : op,
            value: Number(text(num)),
          });
          return;
        }
      }
      if (opNode && opNode.name in setNodes) {
        const sides = kids.filter((k) => k !== opNode && !/Modifier|Clause/.test(k.name));
        visit(sides[0]);
        condition.joiners.push(setNodes[opNode.name]);
        visit(sides[sides.length - 1]);
        return;
      }
    }
    for (const c of children(node)) visit(c);
  };
  visit(tree.topNode as unknown as SyntaxNodeLike);
  // A joiner with no comparison on one side (e.g. `a and b`) says nothing about thresholds: drop it.
  condition.joiners = condition.joiners.slice(0, Math.max(0, condition.comparisons.length - 1));
  return condition;
}

interface RawRule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The alerting rules of a Prometheus rule file, in file order, with their conditions parsed. */
export function loadAlertRules(file = guidePaths.rules): AlertRule[] {
  const doc = parse(readFileSync(file, 'utf8')) as { groups?: { rules?: RawRule[] }[] };
  const out: AlertRule[] = [];
  for (const group of doc.groups ?? []) {
    for (const r of group.rules ?? []) {
      if (!r.alert) continue;
      const expr = String(r.expr ?? '').trim();
      out.push({
        alert: r.alert,
        expr,
        for: r.for ?? '0s',
        severity: r.labels?.severity ?? '',
        summary: r.annotations?.summary ?? '',
        runbookUrl: r.annotations?.runbook_url ?? '',
        condition: parseCondition(expr),
      });
    }
  }
  return out;
}

/** How a threshold reads to a person: ratios as percentages, seconds with `s`, per-second rates with `/s`. */
export function formatThreshold(c: Comparison): string {
  if (/(^|[:_])(ratio|utilisation)([:_]|$)/.test(c.subject)) return `${c.op} ${Number((c.value * 100).toFixed(6))}%`;
  if (/(^|[:_])(seconds|lag)([:_]|$)/.test(c.subject)) return `${c.op} ${c.value} s`;
  if (/rate\d+[smh]$/.test(c.subject)) return `${c.op} ${c.value}/s`;
  return `${c.op} ${c.value}`;
}

// The set operators between comparisons, in the guide's Spanish.
const joinerWords: Record<Condition['joiners'][number], string> = { and: 'y', or: 'o', unless: 'salvo si' };

export function formatCondition(condition: Condition): string {
  return condition.comparisons
    .map((c, i) => `${i ? ` ${joinerWords[condition.joiners[i - 1]]} ` : ''}\`${c.subject}\` ${formatThreshold(c)}`)
    .join('');
}

/** The anchor a runbook_url points to, without the `#`. */
export function runbookAnchor(url: string): string {
  const at = url.indexOf('#');
  return at < 0 ? '' : url.slice(at + 1);
}

/** A runbook_url (repository-relative path plus anchor) as a link from the guide: `runbooks.md#x`, or `#x` within it. */
export function runbookLink(url: string): string {
  const at = url.indexOf('#');
  const path = at < 0 ? url : url.slice(0, at);
  const guide = posix.relative(root, guidePaths.guide);
  const rel = path && path !== guide ? posix.relative(posix.dirname(guide), path) : '';
  return `${rel}#${runbookAnchor(url)}`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
export function renderAlertTable(rules: AlertRule[]): string {
  const lines = [
    '| alerta | se dispara cuando | durante | severidad |',
    '|---|---|---|---|',
    ...rules.map(
      (r) =>
        `| [${r.alert}](${runbookLink(r.runbookUrl)}) | ${cell(formatCondition(r.condition))} | ${r.for} | ${r.severity} |`,
    ),
  ];
  return lines.join('\n');
}

/** The markdown with the block between the markers replaced; throws if the markers are missing or out of order. */
export function replaceAlertTable(markdown: string, table: string): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < 0 || end < start) {
    throw new Error(`the guide needs the markers ${TABLE_START} and ${TABLE_END}, in that order`);
  }
  return `${markdown.slice(0, start + TABLE_START.length)}\n${table}\n${markdown.slice(end)}`;
}

/** The committed block between the markers, as written in the file. */
export function committedAlertTable(markdown: string): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < 0 || end < start) return '';
  return markdown.slice(start + TABLE_START.length, end).trim();
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const markdown = readFileSync(guidePaths.guide, 'utf8');
  const next = replaceAlertTable(markdown, renderAlertTable(loadAlertRules()));
  if (next === markdown) {
    process.stdout.write('alert table is up to date\n');
    return 0;
  }
  if (check) {
    process.stderr.write('alert table is stale: run node --import tsx scripts/gen-alert-table.ts\n');
    return 1;
  }
  writeFileSync(guidePaths.guide, next);
  process.stdout.write(`rewrote the alert table in ${guidePaths.guide}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
