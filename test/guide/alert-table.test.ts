import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  committedAlertTable,
  formatThreshold,
  guidePaths,
  loadAlertRules,
  parseCondition,
  renderAlertTable,
  replaceAlertTable,
  runbookLink,
} from '../../scripts/gen-alert-table.ts';

describe('reading thresholds from PromQL', () => {
  test('a simple comparison gives its subject, operator and number', () => {
    assert.deepEqual(parseCondition('job:tenantops_active_tenants:max > 100'), {
      comparisons: [{ subject: 'job:tenantops_active_tenants:max', op: '>', value: 100 }],
      joiners: [],
    });
  });

  test('set operators join the comparisons on both sides, and matching clauses are not comparisons', () => {
    const c = parseCondition('a:ratio > 0.5\n  and on (job) b:rate5m > 1');
    assert.deepEqual(
      c.comparisons.map((x) => [x.subject, x.op, x.value]),
      [
        ['a:ratio', '>', 0.5],
        ['b:rate5m', '>', 1],
      ],
    );
    assert.deepEqual(c.joiners, ['and']);
  });

  test('numbers inside selectors, ranges and function arguments are not thresholds', () => {
    const c = parseCondition('histogram_quantile(0.95, rate(x_bucket{le="2"}[5m])) >= 2.5');
    assert.deepEqual(
      c.comparisons.map((x) => [x.op, x.value]),
      [['>=', 2.5]],
    );
  });

  test('a number on the left is turned around so the subject comes first', () => {
    assert.deepEqual(parseCondition('10 < up_ratio').comparisons, [{ subject: 'up_ratio', op: '>', value: 10 }]);
  });

  test('a syntax error throws instead of yielding no threshold', () => {
    assert.throws(() => parseCondition('rate(x[5m] > 1'), /syntax error/);
  });

  test('thresholds read as a person writes them', () => {
    assert.equal(formatThreshold({ subject: 'instance:node_memory_available:ratio', op: '<', value: 0.1 }), '< 10%');
    assert.equal(
      formatThreshold({ subject: 'job:http_request_duration_seconds:p95_rate5m', op: '>', value: 2 }),
      '> 2 s',
    );
    assert.equal(formatThreshold({ subject: 'job:tenantops_jobs_completed:rate5m', op: '>', value: 0 }), '> 0/s');
    assert.equal(formatThreshold({ subject: 'job:tenantops_active_tenants:max', op: '>', value: 50 }), '> 50');
  });
});

describe('the generated alert table', () => {
  const rules = loadAlertRules();
  const guide = readFileSync(guidePaths.guide, 'utf8');

  test('every alert in the rules has at least one threshold the generator can read', () => {
    const none = rules.filter((r) => r.condition.comparisons.length === 0).map((r) => r.alert);
    assert.deepEqual(none, []);
  });

  test('the committed table in the guide is exactly what the rules produce', () => {
    const expected = renderAlertTable(rules);
    assert.equal(
      committedAlertTable(guide),
      expected,
      'the alert table is stale: run node --import tsx scripts/gen-alert-table.ts',
    );
    assert.equal(replaceAlertTable(guide, expected), guide, 'regenerating must not change the guide');
  });

  test('a changed threshold in the rules makes the committed table stale', () => {
    const changed = rules.map((r) =>
      r.alert === 'TenantCountScaleUp'
        ? { ...r, condition: { ...r.condition, comparisons: [{ ...r.condition.comparisons[0], value: 150 }] } }
        : r,
    );
    assert.notEqual(committedAlertTable(guide), renderAlertTable(changed));
  });

  test('the table has one row per alert, in the order of the rules file', () => {
    const rows = committedAlertTable(guide)
      .split('\n')
      .slice(2)
      .map((l) => /^\| \[(\w+)\]/.exec(l)?.[1]);
    assert.deepEqual(
      rows,
      rules.map((r) => r.alert),
    );
  });

  test('each alert links to its runbook_url, relative to the guide', () => {
    const links = committedAlertTable(guide)
      .split('\n')
      .slice(2)
      .map((l) => /^\| \[\w+\]\(([^)]*)\)/.exec(l)?.[1]);
    assert.deepEqual(
      links,
      rules.map((r) => `runbooks.md#${r.alert.toLowerCase()}`),
    );
    assert.equal(runbookLink('docs/arquitectura/runbooks.md#x'), 'runbooks.md#x');
    assert.equal(runbookLink('docs/arquitectura/scaling-horizontal-guide.md#x'), '#x');
    assert.equal(runbookLink('docs/monitoring.md#x'), '../monitoring.md#x');
  });

  test('the markers are required', () => {
    assert.throws(() => replaceAlertTable('# no markers\n', 'x'), /markers/);
  });
});
