import { parser } from '@prometheus-io/lezer-promql';

/**
 * The metric names a PromQL expression selects, read from its syntax tree: the identifier of every vector
 * selector, plus `{__name__="…"}` matchers. Throws on a syntax error, so a typo cannot hide a name.
 */
export function promqlMetricNames(expr: string): string[] {
  const names = new Set<string>();
  const text = (from: number, to: number): string => expr.slice(from, to);
  let error: number | null = null;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError && error === null) error = node.from;
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        names.add(text(node.from, node.to));
      }
      // The metric name written as a label matcher; only an exact match names one metric.
      if (node.name === 'UnquotedLabelMatcher') {
        const label = node.node.getChild('LabelName');
        if (label && text(label.from, label.to) === '__name__') {
          const op = node.node.getChild('MatchOp')?.firstChild?.name;
          const value = node.node.getChild('StringLiteral');
          if (op !== 'EqlSingle' || !value) {
            throw new Error(`cannot check a non-exact __name__ matcher: ${text(node.from, node.to)}`);
          }
          names.add(JSON.parse(text(value.from, value.to)) as string);
        }
      }
    },
  });
  if (error !== null) throw new Error(`PromQL syntax error at offset ${error}: ${expr}`);
  return [...names].sort();
}
