import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';

export const CASE_KINDS = ['firing', 'not firing', 'boundary', 'for-duration'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

export interface ExpectedAlert {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}

export interface AlertAssertion {
  eval_time: string;
  alertname: string;
  exp_alerts?: ExpectedAlert[];
}

/** One promtool test group, named '<AlertName>: <kind>[ (detail)]'. */
export interface RuleTestCase {
  file: string;
  name: string;
  alert: string;
  kind: CaseKind | null;
  assertions: AlertAssertion[];
}

const NAME = /^(\w+): (firing|not firing|boundary|for-duration)(?: \(.+\))?$/;

/** The test groups of promtool rule-test files, with the alert and kind their name declares. */
export function ruleTestCases(files: string[]): RuleTestCase[] {
  const out: RuleTestCase[] = [];
  for (const file of files) {
    const doc = parse(readFileSync(file, 'utf8')) as {
      tests?: { name?: string; alert_rule_test?: AlertAssertion[] }[];
    };
    for (const t of doc.tests ?? []) {
      const name = t.name ?? '';
      const m = NAME.exec(name);
      out.push({
        file: basename(file),
        name,
        alert: m?.[1] ?? '',
        kind: (m?.[2] as CaseKind | undefined) ?? null,
        assertions: t.alert_rule_test ?? [],
      });
    }
  }
  return out;
}
