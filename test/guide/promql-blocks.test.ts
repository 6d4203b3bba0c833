import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { guidePaths, loadAlertRules } from '../../scripts/gen-alert-table.ts';
import { documentedMetrics } from '../alerts/documented-metrics.ts';
import { loadRuleGroups } from '../alerts/load-rule-groups.ts';
import { promqlMetricNames } from '../alerts/promql-metric-names.ts';
import { fencedBlocks } from './markdown.ts';

/** The expressions of a ```promql block: one per line; `#` lines are comments. */
function expressions(body: string): string[] {
  return body
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

describe('PromQL in the guide and the runbooks', () => {
  const documented = documentedMetrics(readFileSync(`${guidePaths.root}docs/metrics.md`, 'utf8'));
  const recorded = new Set(loadRuleGroups(guidePaths.rules).records.map((r) => r.record));
  const docs = [guidePaths.guide, guidePaths.runbooks].map((file) => ({
    file: file.slice(guidePaths.root.length),
    blocks: fencedBlocks(readFileSync(file, 'utf8'), 'promql'),
  }));

  test('every alert runbook has PromQL to check (one block per alert at least)', () => {
    const runbooks = docs[1];
    assert.ok(runbooks.blocks.length >= loadAlertRules().length, `${runbooks.blocks.length} promql blocks`);
  });

  for (const { file, blocks } of docs) {
    test(`every expression in ${file} parses and uses only documented metrics or recording rules`, () => {
      const problems: string[] = [];
      for (const b of blocks) {
        for (const expr of expressions(b.body)) {
          try {
            const unknown = promqlMetricNames(expr).filter((n) => !documented.has(n) && !recorded.has(n));
            if (unknown.length) problems.push(`block at line ${b.line}: ${unknown.join(', ')} in ${expr}`);
          } catch (err) {
            problems.push(`block at line ${b.line}: ${(err as Error).message}`);
          }
        }
      }
      assert.deepEqual(problems, []);
    });
  }
});
