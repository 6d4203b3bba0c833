export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface ParsedThreshold {
  /** avg, min, max, med, count, rate, value or p(N). */
  aggregation: string;
  operator: ThresholdOperator;
  value: number;
}

// Longer operators first so "<=" is not read as "<" followed by "=". The limit is what Go's
// strconv.ParseFloat reads in k6 (metrics/thresholds_parser.go): `.01`, `+5`, `1E3`, `5.`, `Inf`, `NaN`.
const GRAMMAR =
  /^\s*(avg|min|max|med|count|rate|value|p\(\s*\d+(?:\.\d+)?\s*\))\s*(<=|<|>=|>|===|==|!=)\s*([+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan))\s*$/i;

/** A limit as ParseFloat reads it: JavaScript's Number() but for Go's Inf/Infinity/NaN spellings. */
function limit(text: string): number {
  const inf = /^([+-]?)inf(?:inity)?$/i.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return /^nan$/i.test(text) ? NaN : Number(text);
}

/** Parses a threshold expression such as `p(95)<500` or `rate <= 0.01`; undefined when malformed. */
export function parseThreshold(source: string): ParsedThreshold | undefined {
  const m = GRAMMAR.exec(source);
  if (!m) return undefined;
  // The aggregation's keywords are lower case in k6; the i flag is for the limit's Inf and NaN.
  if (m[1] !== m[1].toLowerCase()) return undefined;
  const aggregation = m[1].replace(/\s+/g, '');
  const pct = /^p\((.*)\)$/.exec(aggregation);
  if (pct && Number(pct[1]) > 100) return undefined;
  return { aggregation, operator: m[2] as ThresholdOperator, value: limit(m[3]) };
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
