import { parseDocument } from 'yaml';
import { ruleNodes } from './rule-nodes.ts';

/**
 * The alerts end-to-end test and the phase-3 lab run the real rules 60 times faster: `for: 5m` becomes 5s, 10m becomes 10s, 1h becomes 60s.
 * Only `for` is scaled. Range windows (`[5m]`) are left alone: the alerts the test drives read gauges, and rewriting
 * PromQL would test a different expression. Documented in docs/monitoring.md.
 */
export const E2E_TIME_FACTOR = 60;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** The rule file with every alert's `for` divided by `factor` (whole seconds, at least 1s). */
export function scaleRuleDurations(rulesYaml: string, factor = E2E_TIME_FACTOR): string {
  const doc = parseDocument(rulesYaml);
  for (const r of ruleNodes(doc)) {
    if (!r.has('for')) continue;
    const m = /^(\d+)([smh])$/.exec(String(r.get('for')));
    if (!m) throw new Error(`unsupported for: ${String(r.get('for'))}`);
    r.set('for', `${Math.max(1, Math.ceil((Number(m[1]) * UNIT_SECONDS[m[2]]!) / factor))}s`);
  }
  return doc.toString();
}
