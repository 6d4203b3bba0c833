import { parseDocument } from 'yaml';
import { ruleNodes } from './rule-nodes.ts';

export type Mutation = 'inclusive-threshold' | 'shorter-for';

/**
 * A rule file with one alert deliberately broken, to prove the unit tests catch it:
 * - inclusive-threshold turns the alert's first `> N` / `< N` into `>= N` / `<= N` (the boundary case must fail);
 * - shorter-for fires one minute early (the for-duration case must fail).
 * Returns null when the mutation does not apply (a binary `== 0` alert has no threshold to widen).
 */
export function mutateAlert(rulesYaml: string, alert: string, mutation: Mutation): string | null {
  const doc = parseDocument(rulesYaml);
  for (const r of ruleNodes(doc)) {
    if (r.get('alert') !== alert) continue;
    if (mutation === 'inclusive-threshold') {
      const expr = String(r.get('expr'));
      const widened = expr.replace(/ ([<>]) (?=[\d.])/, ' $1= ');
      if (widened === expr) return null;
      r.set('expr', widened);
    } else {
      const m = /^(\d+)([mh])$/.exec(String(r.get('for')));
      if (!m) throw new Error(`${alert}: unsupported for "${String(r.get('for'))}"`);
      r.set('for', `${Number(m[1]) * (m[2] === 'h' ? 60 : 1) - 1}m`);
    }
    return doc.toString();
  }
  throw new Error(`no alert ${alert}`);
}
