export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface ParsedThreshold {
  /** avg, min, max, med, count, rate, value or p(N). */
  aggregation: string;
  operator: ThresholdOperator;
  value: number;
}

// Longer operators first so "<=" is not read as "<" followed by "=".
const GRAMMAR =
  /^\s*(avg|min|max|med|count|rate|value|p\(\s*\d+(?:\.\d+)?\s*\))\s*(<=|<|>=|>|===|==|!=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

/** Parses a threshold expression such as `p(95)<500` or `rate <= 0.01`; undefined when malformed. */
export function parseThreshold(source: string): ParsedThreshold | undefined {
  const m = GRAMMAR.exec(source);
  if (!m) return undefined;
  const aggregation = m[1].replace(/\s+/g, '');
  const pct = /^p\((.*)\)$/.exec(aggregation);
  if (pct && Number(pct[1]) > 100) return undefined;
  return { aggregation, operator: m[2] as ThresholdOperator, value: Number(m[3]) };
}

/** Whether an observed value satisfies the threshold (true = pass). */
export function compareThreshold(observed: number, operator: ThresholdOperator, limit: number): boolean {
  switch (operator) {
    case '<':
      return observed < limit;
    case '<=':
      return observed <= limit;
    case '>':
      return observed > limit;
    case '>=':
      return observed >= limit;
    case '==':
    case '===':
      return observed === limit;
    case '!=':
      return observed !== limit;
  }
}
